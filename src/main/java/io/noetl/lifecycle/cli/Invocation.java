package io.noetl.lifecycle.cli;

import java.util.List;

/**
 * A parsed command line: {@code plan -f FILE}, {@code check -f FILE} or {@code apply -f FILE --once}, with
 * {@code -o table|json} and
 * the optional {@code --database-url}, {@code --username}, {@code --password} that replace every Secret.
 */
public record Invocation(String command, String file, boolean json, String databaseUrl, String username,
        String password) {

    public static final List<String> COMMANDS = List.of("plan", "check", "apply");

    public static final String USAGE = """
            usage: plan  -f resources.yaml [-o table|json] [--database-url URL [--username U] [--password P]]
                   check -f resources.yaml [-o table|json] [--database-url URL ...]
                   apply -f resources.yaml --once [-o table|json] [--database-url URL ...]
              -f FILE          multi-document YAML with MetricRetentionPolicy, EventPartitionPlan and Secret documents
                               (- reads standard input)
              -o json          JSON instead of a table
              --database-url   a JDBC URL or postgresql:// URI used for every policy instead of its Secret
              --username, --password  credentials for --database-url (the password defaults to $PGPASSWORD)
            plan reads the catalog and changes nothing; check does the same and tells by its exit status;
            apply --once runs one maintenance pass per policy. Each prints the findings the status would show.
            exit status: 0 done, 1 a database failed or refused an action, 2 invalid input;
              check: 0 healthy and nothing to do, 3 changes pending, 4 findings need attention (1 and 2 as above)""";

    public static boolean isCommand(String... args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    public static Invocation parse(List<String> args) throws InvalidInputException {
        if (args.isEmpty() || !COMMANDS.contains(args.get(0))) {
            throw new InvalidInputException("the first argument must be plan, check or apply");
        }
        String command = args.get(0);
        String file = null;
        String output = "table";
        String url = null;
        String user = null;
        String password = null;
        boolean once = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-f", "--filename" -> file = value(args, ++i, a);
                case "-o", "--output" -> output = value(args, ++i, a);
                case "--database-url" -> url = value(args, ++i, a);
                case "--username" -> user = value(args, ++i, a);
                case "--password" -> password = value(args, ++i, a);
                case "--once" -> once = true;
                default -> throw new InvalidInputException("unknown argument '" + a + "'");
            }
        }
        if (file == null) {
            throw new InvalidInputException(command + " needs -f FILE");
        }
        if (!output.equals("table") && !output.equals("json")) {
            throw new InvalidInputException("-o must be table or json, not '" + output + "'");
        }
        if ("apply".equals(command) && !once) {
            throw new InvalidInputException("apply runs a single pass and needs --once; continuous maintenance "
                    + "is the operator's job");
        }
        if (!"apply".equals(command) && once) {
            throw new InvalidInputException("--once belongs to apply");
        }
        if (url == null && (user != null || password != null)) {
            throw new InvalidInputException("--username and --password need --database-url");
        }
        if (url != null && password == null) {
            password = System.getenv("PGPASSWORD");
        }
        return new Invocation(command, file, output.equals("json"), url, user, password);
    }

    private static String value(List<String> args, int i, String option) throws InvalidInputException {
        if (i >= args.size()) {
            throw new InvalidInputException(option + " needs a value");
        }
        return args.get(i);
    }

    public boolean apply() {
        return "apply".equals(command);
    }

    public boolean check() {
        return "check".equals(command);
    }
}

package io.noetl.lifecycle.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.ApiServerCondition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's run command on a machine without a kube context: {@link Sandbox} as its own JVM (as
 * {@code exec:exec@sandbox} starts it), with {@code KUBECONFIG} unset. The three samples are Ready within a minute of
 * start, the printed {@code kubectl get mrp,epp,rtc} shows them Ready on the sandbox's API server, and after SIGINT
 * (Ctrl-C) the JVM exits and no process it started (operator, kube-apiserver, etcd, PostgreSQL) and no port they
 * listened on is left.
 */
@ExtendWith(ApiServerCondition.class)
class SandboxIT {

    @Test
    void startsTheSamplesReadyAndCtrlCLeavesNothing() throws Exception {
        assertTrue(Files.isRegularFile(Path.of("target/quarkus-app/quarkus-run.jar")), "package first");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsandbox=true", "-cp", System.getProperty("java.class.path"), Sandbox.class.getName())
                .redirectErrorStream(true);
        pb.environment().remove("KUBECONFIG");
        Process sandbox = pb.start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(sandbox.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("  | " + line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "sandbox-output");
        reader.start();
        try {
            List<String> output = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (output.stream().noneMatch(l -> l.startsWith(Sandbox.READY_LINE))) {
                assertTrue(System.nanoTime() < deadline, "not Ready within 120 s: " + output);
                assertTrue(sandbox.isAlive() || !lines.isEmpty(), "the sandbox exited: " + output);
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null) {
                    output.add(line);
                }
            }
            String text = String.join("\n", output);
            Matcher seconds = Pattern.compile(Pattern.quote(Sandbox.READY_LINE) + " after (\\d+) s").matcher(text);
            assertTrue(seconds.find());
            // the minute: 16 s measured on 2 cores at load 9 (2026-12-07), once the two passes' concurrent
            // CREATE TABLE IF NOT EXISTS of noetl.lifecycle_retention no longer failed one of them (IdempotentDdl)
            assertTrue(Integer.parseInt(seconds.group(1)) <= 60, "Ready after " + seconds.group(1) + " s");

            // the printed commands work: kubectl get mrp,epp,rtc with the printed kubeconfig
            String kubeconfig = find(text, "export KUBECONFIG=(\\S+)");
            String kubectl = find(text, "\\s+(\\S+) get mrp,epp,rtc -n " + Sandbox.NAMESPACE);
            Process get = new ProcessBuilder(kubectl, "--kubeconfig", kubeconfig, "get", "mrp,epp,rtc", "-n",
                    Sandbox.NAMESPACE, "-o", "custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="
                            + "\"Ready\")].status", "--no-headers").redirectErrorStream(true).start();
            String got = new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, get.waitFor(), got);
            List<String> rows = got.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            assertEquals(3, rows.size(), got);
            assertTrue(rows.stream().allMatch(r -> r.endsWith("True")), got);

            int postgresPort = Integer.parseInt(find(text, "on 127\\.0\\.0\\.1:(\\d+), database noetl"));
            URI apiServer = URI.create(find(Files.readString(Path.of(kubeconfig)), "server: (\\S+)"));
            List<ProcessHandle> started = sandbox.descendants().toList();
            assertTrue(started.size() >= 3, "operator, kube-apiserver, etcd, postgres: " + started.stream()
                    .map(p -> p.info().command().orElse("?")).toList());

            // Ctrl-C, where it can reach: a JVM that starts with SIGINT ignored (a background job of a shell without
            // job control starts its children so, and this test's JVM hands that on) cannot take it back, so there
            // the same shutdown is asked for with SIGTERM, and the test says so
            String signal = ignoresSigint(sandbox.pid()) ? "TERM" : "INT";
            if (signal.equals("TERM")) {
                System.err.println("[sandbox-it] SIGINT is ignored by the sandbox's JVM (inherited from the shell "
                        + "that started the build): stopping it with SIGTERM, which runs the same shutdown");
            }
            new ProcessBuilder("kill", "-" + signal, Long.toString(sandbox.pid())).start().waitFor();
            assertTrue(sandbox.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIG" + signal);
            Thread.sleep(500);
            List<String> alive = started.stream().filter(ProcessHandle::isAlive)
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
            assertEquals(List.of(), alive, "left running after Ctrl-C");
            assertFalse(listens(postgresPort), "PostgreSQL's port " + postgresPort + " still listens");
            assertFalse(listens(apiServer.getPort()), "the API server's port " + apiServer.getPort()
                    + " still listens");
        } finally {
            if (sandbox.isAlive()) {
                sandbox.descendants().forEach(ProcessHandle::destroyForcibly);
                sandbox.destroyForcibly();
            }
        }
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " not in: " + text);
        return m.group(1);
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the process ignores SIGINT (bit 2 of SigIgn in /proc/PID/status). */
    private static boolean ignoresSigint(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring("SigIgn:".length()).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }
}

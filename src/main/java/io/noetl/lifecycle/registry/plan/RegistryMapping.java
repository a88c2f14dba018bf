package io.noetl.lifecycle.registry.plan;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which registry column plays which role. NoETL's seed names them {@code component_type}, {@code base_url} and
 * {@code last_heartbeat}; other NoETL versions use {@code kind}, {@code uri} and {@code heartbeat}. Each role
 * takes the first of its names the table has, except the type, which prefers the name that forms the
 * {@code (type, name)} unique key {@code ON CONFLICT} needs.
 */
public record RegistryMapping(Map<Role, RegistryShape.Column> columns, boolean snowflakeFunction) {

    /** A column's part in a registration. */
    public enum Role {
        ID(true, Kind.ID, "runtime_id"),
        NAME(true, Kind.TEXT, "name"),
        TYPE(true, Kind.TEXT, "component_type", "kind"),
        STATUS(true, Kind.TEXT, "status"),
        HEARTBEAT(true, Kind.TIME, "last_heartbeat", "heartbeat"),
        URL(false, Kind.TEXT, "base_url", "uri"),
        LABELS(false, Kind.JSON, "labels"),
        CAPABILITIES(false, Kind.JSON, "capabilities"),
        CAPACITY(false, Kind.NUMBER, "capacity"),
        RUNTIME(false, Kind.JSON, "runtime"),
        CREATED_AT(false, Kind.TIME, "created_at"),
        UPDATED_AT(false, Kind.TIME, "updated_at");

        private final boolean required;
        private final Kind kind;
        private final List<String> names;

        Role(boolean required, Kind kind, String... names) {
            this.required = required;
            this.kind = kind;
            this.names = List.of(names);
        }

        /**
         * Whether the component reports this column itself: NoETL's registration statement writes {@code uri},
         * {@code labels}, {@code capacity} and {@code runtime} (with {@code status} and {@code heartbeat}), never
         * {@code capabilities}. Once the component has written its row, such a column is the component's unless the
         * declaration takes precedence ({@link RuntimeDeclaration#overwrites}).
         */
        public boolean reportedByComponent() {
            return this == URL || this == LABELS || this == CAPACITY || this == RUNTIME;
        }

        /** The spec field a declared column comes from; null for the others. */
        public String specField() {
            return switch (this) {
                case URL -> "baseUrl";
                case LABELS -> "labels";
                case CAPABILITIES -> "capabilities";
                case CAPACITY -> "capacity";
                case RUNTIME -> "runtime";
                default -> null;
            };
        }
    }

    /**
     * The declared columns: the declaration fills them while the component has not written its row; after that,
     * those the component reports are its own (see {@link Role#reportedByComponent}).
     */
    public static final List<Role> DECLARED = List.of(Role.URL, Role.LABELS, Role.CAPABILITIES, Role.CAPACITY,
            Role.RUNTIME);

    private enum Kind {
        ID(Set.of("int8", "numeric")),
        TEXT(Set.of("text", "varchar", "bpchar")),
        TIME(Set.of("timestamptz", "timestamp")),
        JSON(Set.of("jsonb", "json", "text", "varchar")),
        NUMBER(Set.of("int2", "int4", "int8", "numeric"));

        private final Set<String> types;

        Kind(Set<String> types) {
            this.types = types;
        }
    }

    /** Picks a column for every role the table has, or says what is missing or unusable, naming the column. */
    public static RegistryMapping choose(String table, RegistryShape shape) throws RegistryIncompatibleException {
        if (!shape.exists()) {
            throw new IllegalArgumentException(table + " does not exist");
        }
        Map<Role, RegistryShape.Column> chosen = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            pick(role, shape).ifPresent(c -> chosen.put(role, c));
        }
        List<String> missing = new ArrayList<>();
        for (Role role : Role.values()) {
            if (role.required && !chosen.containsKey(role)) {
                missing.add(String.join(" or ", role.names));
            }
        }
        if (!missing.isEmpty()) {
            throw new RegistryIncompatibleException(table + " has no column " + String.join(", no column ", missing));
        }
        for (Map.Entry<Role, RegistryShape.Column> e : chosen.entrySet()) {
            RegistryShape.Column c = e.getValue();
            if (!e.getKey().kind.types.contains(c.type())) {
                throw new RegistryIncompatibleException(table + " column " + c.name() + " is " + c.type()
                        + "; the operator needs one of " + String.join(", ", new TreeSet<>(e.getKey().kind.types)));
            }
        }
        String type = chosen.get(Role.TYPE).name();
        String name = chosen.get(Role.NAME).name();
        if (!shape.uniqueKeys().contains(Set.of(type, name))) {
            throw new RegistryIncompatibleException(table + " has no unique index on (" + type + ", " + name
                    + "), which registration needs (INSERT ... ON CONFLICT); create one, for example CREATE UNIQUE "
                    + "INDEX ON " + table + " (" + type + ", " + name + ")");
        }
        if (chosen.get(Role.HEARTBEAT).needsValue()) {
            throw new RegistryIncompatibleException(table + " column " + chosen.get(Role.HEARTBEAT).name()
                    + " is NOT NULL without a default; a new row has no heartbeat yet");
        }
        Set<String> filled = new LinkedHashSet<>();
        chosen.values().forEach(c -> filled.add(c.name()));
        for (RegistryShape.Column c : shape.columns().values()) {
            if (c.needsValue() && !filled.contains(c.name())) {
                throw new RegistryIncompatibleException(table + " column " + c.name()
                        + " is NOT NULL without a default, and the operator has no value for it");
            }
        }
        return new RegistryMapping(chosen, shape.snowflakeFunction());
    }

    private static Optional<RegistryShape.Column> pick(Role role, RegistryShape shape) {
        List<RegistryShape.Column> present = role.names.stream().map(n -> shape.columns().get(n))
                .filter(c -> c != null).toList();
        if (role == Role.TYPE && present.size() > 1) {
            RegistryShape.Column name = shape.columns().get(Role.NAME.names.get(0));
            for (RegistryShape.Column c : present) {
                if (name != null && shape.uniqueKeys().contains(Set.of(c.name(), name.name()))) {
                    return Optional.of(c);
                }
            }
        }
        return present.stream().findFirst();
    }

    public Optional<RegistryShape.Column> column(Role role) {
        return Optional.ofNullable(columns.get(role));
    }

    /** The column of a role every registry has. */
    public String name(Role role) {
        RegistryShape.Column c = columns.get(role);
        if (c == null) {
            throw new IllegalStateException("no column for " + role);
        }
        return c.name();
    }

    public boolean has(Role role) {
        return columns.containsKey(role);
    }

    /** The declared columns this registry has, in a fixed order. */
    public List<RegistryShape.Column> declared() {
        return DECLARED.stream().filter(columns::containsKey).map(columns::get).toList();
    }

    /** The roles of {@link #declared()}, in the same order. */
    public List<Role> declaredRoles() {
        return DECLARED.stream().filter(columns::containsKey).toList();
    }

    public boolean isJson(Role role) {
        RegistryShape.Column c = columns.get(role);
        return c != null && role.kind == Kind.JSON && c.type().startsWith("json");
    }

    /** The first declared field the spec sets whose column this registry lacks, by its possible names. */
    public Optional<String> missingFor(RuntimeDeclaration declaration) {
        for (Role role : DECLARED) {
            if (!has(role) && declaration.value(role) != null) {
                return Optional.of(String.join(" or ", role.names));
            }
        }
        return Optional.empty();
    }
}

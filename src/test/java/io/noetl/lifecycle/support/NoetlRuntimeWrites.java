package io.noetl.lifecycle.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements NoETL's own components run on {@code noetl.runtime}, written from what NoETL does (issue 28;
 * {@code noetl/noetl}: the worker's registration and heartbeat through the server's runtime service, the servers'
 * control leases), each under the application name {@link #APPLICATION}, so that {@link #installWriteLog} tells
 * them from the operator's ({@code noetl-lifecycle-operator}):
 * <ul>
 * <li>registration: one upsert keyed on {@code (kind, name)} that sets {@code uri}, {@code status},
 * {@code labels}, {@code capacity}, {@code runtime} and {@code heartbeat = now()} whether the row exists or not
 * ({@code capabilities} is never written);</li>
 * <li>deregistration: {@code status = 'offline'} by key;</li>
 * <li>heartbeat: {@code heartbeat = now()}, {@code status = 'ready'} by key;</li>
 * <li>a server's control lease: a {@code server_api} row whose {@code runtime} is
 * {@code {"type": "server_control", "owner_instance": ...}}, taken over only while it still has that type.</li>
 * </ul>
 * {@code now()} is the test database's, which follows the test clock ({@link TestDatabase}).
 */
public final class NoetlRuntimeWrites {
    /** The application name NoETL's statements run under here. */
    public static final String APPLICATION = "noetl-component";

    private NoetlRuntimeWrites() {
    }

    /** A worker's (or server's) registration, as it reports itself. */
    public static long register(TestDatabase db, String kind, String name, String uri, String status,
            String labelsJson, Integer capacity, String runtimeJson) {
        return run(db, "INSERT INTO noetl.runtime AS rt (runtime_id, name, kind, uri, status, labels, capacity, "
                + "runtime, heartbeat, created_at, updated_at) VALUES (noetl.snowflake_id(), ?, ?, ?, ?, "
                + "CAST(? AS jsonb), ?, CAST(? AS jsonb), now(), now(), now()) ON CONFLICT (kind, name) DO UPDATE SET "
                + "uri = EXCLUDED.uri, status = EXCLUDED.status, labels = EXCLUDED.labels, "
                + "capacity = EXCLUDED.capacity, runtime = EXCLUDED.runtime, heartbeat = now(), updated_at = now() "
                + "RETURNING runtime_id", ps -> {
                    ps.setString(1, name);
                    ps.setString(2, kind);
                    ps.setString(3, uri);
                    ps.setString(4, status);
                    ps.setString(5, labelsJson);
                    if (capacity == null) {
                        ps.setNull(6, Types.INTEGER);
                    } else {
                        ps.setInt(6, capacity);
                    }
                    ps.setString(7, runtimeJson);
                }).get(0);
    }

    /** A worker's deregistration on shutdown: its row set offline. */
    public static int deregister(TestDatabase db, String kind, String name) {
        return run(db, "UPDATE noetl.runtime SET status = 'offline', updated_at = now() WHERE kind = ? AND name = ? "
                + "RETURNING runtime_id", ps -> {
                    ps.setString(1, kind);
                    ps.setString(2, name);
                }).size();
    }

    /** A worker pool's heartbeat. */
    public static int heartbeat(TestDatabase db, String name) {
        return run(db, "UPDATE noetl.runtime SET heartbeat = now(), status = 'ready', updated_at = now() "
                + "WHERE kind = 'worker_pool' AND name = ? RETURNING runtime_id", ps -> ps.setString(1, name)).size();
    }

    /**
     * A server's control lease {@code name} taken or renewed by {@code owner}: inserted, or taken over while the row
     * is still a lease (its {@code runtime->>'type'} is {@code server_control}) that has expired or is the owner's.
     * Returns whether the owner holds it.
     */
    public static boolean lease(TestDatabase db, String name, String owner, String serverUrl, int leaseSeconds) {
        String runtime = "{\"type\": \"server_control\", \"task\": \"" + name + "\", \"owner_instance\": \"" + owner
                + "\", \"lease_seconds\": " + leaseSeconds + "}";
        return !run(db, "INSERT INTO noetl.runtime AS rt (runtime_id, name, kind, uri, status, labels, capacity, "
                + "runtime, heartbeat, created_at, updated_at) VALUES (noetl.snowflake_id(), ?, 'server_api', ?, "
                + "'ready', CAST(? AS jsonb), NULL, CAST(? AS jsonb), now(), now(), now()) ON CONFLICT (kind, name) "
                + "DO UPDATE SET uri = EXCLUDED.uri, status = EXCLUDED.status, labels = EXCLUDED.labels, "
                + "runtime = EXCLUDED.runtime, heartbeat = now(), updated_at = now() "
                + "WHERE coalesce(rt.runtime->>'type', '') = 'server_control' AND (rt.heartbeat < now() - "
                + "make_interval(secs => ?) OR rt.runtime->>'owner_instance' = EXCLUDED.runtime->>'owner_instance') "
                + "RETURNING runtime_id", ps -> {
                    ps.setString(1, name);
                    ps.setString(2, serverUrl);
                    ps.setString(3, "[\"task:" + name + "\"]");
                    ps.setString(4, runtime);
                    ps.setInt(5, leaseSeconds);
                }).isEmpty();
    }

    /**
     * Records every insert, update and delete on {@code noetl.runtime} in {@code public.runtime_writes} (in order,
     * with the writer's application name), until the registry is dropped.
     */
    public static void installWriteLog(TestDatabase db) {
        db.execute("DROP TABLE IF EXISTS public.runtime_writes",
                "CREATE TABLE public.runtime_writes (seq bigserial PRIMARY KEY, application text, op text, kind text, "
                        + "name text, new_row text)",
                "CREATE OR REPLACE FUNCTION public.log_runtime_write() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                        + "INSERT INTO public.runtime_writes (application, op, kind, name, new_row) VALUES "
                        + "(current_setting('application_name'), TG_OP, coalesce(NEW.kind, OLD.kind), "
                        + "coalesce(NEW.name, OLD.name), CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE row_to_json(NEW)::text "
                        + "END); RETURN NULL; END $f$",
                "CREATE TRIGGER runtime_writes AFTER INSERT OR UPDATE OR DELETE ON noetl.runtime FOR EACH ROW "
                        + "EXECUTE FUNCTION public.log_runtime_write()");
    }

    /** One logged write. */
    public record Write(long seq, String application, String op, String kind, String name, String newRow) {
        public boolean byOperator() {
            return "noetl-lifecycle-operator".equals(application);
        }
    }

    /** The logged writes to the row {@code (kind, name)}, in order. */
    public static List<Write> writes(TestDatabase db, String kind, String name) {
        return db.query("SELECT seq, application, op, kind, name, new_row FROM public.runtime_writes WHERE kind = ? "
                + "AND name = ? ORDER BY seq", kind, name).stream().map(r -> new Write(((Number) r.get(0)).longValue(),
                        (String) r.get(1), (String) r.get(2), (String) r.get(3), (String) r.get(4),
                        (String) r.get(5))).toList();
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static List<Long> run(TestDatabase db, String sql, Binder binder) {
        try (Connection c = db.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("SET application_name = '" + APPLICATION + "'");
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

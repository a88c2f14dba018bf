package io.noetl.lifecycle.metric.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The database's own load as the history pace reads it: how many backends of the same database are running a
 * statement right now ({@code pg_stat_activity.state = 'active'}), other than the operator's own (its connections
 * carry {@code application_name} {@value #OPERATOR_APPLICATION_NAME}, the command line's
 * {@value #COMMAND_APPLICATION_NAME}, through a PgBouncer too, which passes it on) and
 * other than the one asking. Only client backends count: autovacuum, WAL senders and the checkpointer are not the
 * writers the pace yields to. One cheap read of shared memory, no lock, no session state.
 *
 * <p>Without {@code pg_read_all_stats} (or superuser) a role sees {@code state} only of its own backends, so the
 * writers of another role would not count: {@link Reading#hidden} counts the backends whose state it could not see,
 * and the status says so.
 */
public final class ActiveBackendsSql {
    public static final String OPERATOR_APPLICATION_NAME = "noetl-lifecycle-operator";
    /** The command line's connections ({@code plan}, {@code apply --once}): its own history work is not load either. */
    public static final String COMMAND_APPLICATION_NAME = "noetl-lifecycle-cli";
    static final String SQL = "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE state IS NULL) "
            + "FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
            + "AND pid <> pg_backend_pid() AND coalesce(application_name, '') NOT IN ('" + OPERATOR_APPLICATION_NAME
            + "', '" + COMMAND_APPLICATION_NAME + "')";

    private ActiveBackendsSql() {
    }

    /** What one read saw: active backends, and backends whose state this role may not see. */
    public record Reading(long active, long hidden) {
    }

    /** One read, on {@code c} (outside a transaction or inside one: it changes nothing). */
    public static Reading read(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SQL)) {
            rs.next();
            return new Reading(rs.getLong(1), rs.getLong(2));
        }
    }
}

package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Which database a connection reaches, as the server reports it, whatever the URL's spelling (host name or address,
 * port written or left out, {@code jdbc:} or {@code postgresql://}, a pooler in between): the cluster's
 * {@code system_identifier} ({@code pg_control_system()}, which PostgreSQL grants to every role; it is shared by the
 * cluster's physical replicas, which hold the same tables) and the database's oid in it. A role the function is
 * revoked from gets the server's address, port and the database's oid instead ({@code inet_server_addr()}: the
 * server's own, also through a pooler; empty over a Unix socket, then the data directory's start time tells clusters
 * apart). Policies claim tables by it ({@code TableClaim}); it never reaches status or logs as a secret (it holds
 * none).
 */
public final class DatabaseIdentity {
    private DatabaseIdentity() {
    }

    /** The identity of the database {@code ds} connects to; one round trip of two short catalog reads. */
    public static String read(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return read(c);
        }
    }

    /** As {@link #read(DataSource)} on an open connection (its transaction state is left as it was). */
    public static String read(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            String database;
            try (ResultSet rs = s.executeQuery("SELECT oid::text, "
                    + "has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') FROM pg_database "
                    + "WHERE datname = current_database()")) {
                rs.next();
                database = rs.getString(1);
                if (!rs.getBoolean(2)) {
                    return fallback(s, database);
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
                rs.next();
                return "cluster " + rs.getString(1) + ", database oid " + database;
            }
        }
    }

    private static String fallback(Statement s, String database) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT coalesce(host(inet_server_addr()), 'socket started '"
                + " || pg_postmaster_start_time()::text), inet_server_port()")) {
            rs.next();
            return "server " + rs.getString(1) + ":" + rs.getString(2) + ", database oid " + database;
        }
    }

    /** What stands for the identity of a database that could not be read: its URL as written (host, port, name). */
    public static String unread(DatabaseTarget target) {
        return "unread " + target.describe();
    }
}

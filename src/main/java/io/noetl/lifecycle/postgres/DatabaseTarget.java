package io.noetl.lifecycle.postgres;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where to connect and as whom. {@link #toString()} never shows the password; {@link #describe()} is what
 * messages may show (host, port and database only).
 */
public final class DatabaseTarget {
    private final String jdbcUrl;
    private final String username;
    private final String password;

    public DatabaseTarget(String url, String username, String password) {
        String user = username;
        String pass = password;
        String jdbc;
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("the database url is empty");
        }
        if (url.startsWith("jdbc:postgresql:")) {
            jdbc = url;
        } else if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                // the JDK's message quotes the whole URL, password and all: say what and where, never the text
                throw new IllegalArgumentException("the database url is not a valid URI: " + e.getReason()
                        + " at character " + (e.getIndex() + 1) + " (a '%', '^', space or other reserved character "
                        + "in the user or password must be percent-encoded, or given in the Secret's username and "
                        + "password keys)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("the database url has no host");
            }
            String info = uri.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                String u = decode(colon < 0 ? info : info.substring(0, colon));
                if (user == null || user.isBlank()) {
                    user = u;
                }
                if ((pass == null || pass.isEmpty()) && colon >= 0) {
                    pass = decode(info.substring(colon + 1));
                }
            }
            jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                    + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        } else {
            throw new IllegalArgumentException(
                    "the database url must start with jdbc:postgresql:, postgresql:// or postgres://");
        }
        this.jdbcUrl = jdbc;
        this.username = user;
        this.password = pass == null ? "" : pass;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // the JDK's message quotes the text it could not decode: the password
            throw new IllegalArgumentException("the user or password in the database url holds a '%' that is not "
                    + "followed by two hex digits; percent-encode it as %25, or give it in the Secret's password key");
        }
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** Host, port and database, for messages: no user, no password, no query parameters. */
    public String describe() {
        String rest = jdbcUrl.substring("jdbc:postgresql:".length());
        int q = rest.indexOf('?');
        return "postgresql:" + (q < 0 ? rest : rest.substring(0, q));
    }

    /** Removes the password and the full URL from text that is about to reach status, events or logs. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text.replace(jdbcUrl, describe());
        if (!password.isEmpty()) {
            out = out.replace(password, "****");
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatabaseTarget t && jdbcUrl.equals(t.jdbcUrl) && Objects.equals(username, t.username)
                && password.equals(t.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jdbcUrl, username, password);
    }

    @Override
    public String toString() {
        return describe() + " as " + username;
    }
}

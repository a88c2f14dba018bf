package io.noetl.lifecycle.partition.plan;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The partition key types the operator manages, and how key units map to them. Time keys are held as epoch
 * microseconds: the instant for {@code timestamptz}; the wall-clock time read as if it were UTC for
 * {@code timestamp} and {@code date} (their catalog bounds carry no zone).
 */
public enum KeyType {
    TIMESTAMPTZ(true), TIMESTAMP(true), DATE(true), BIGINT(false), INTEGER(false), SMALLINT(false);

    private static final DateTimeFormatter LITERAL = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS",
            Locale.ROOT);

    private final boolean time;

    KeyType(boolean time) {
        this.time = time;
    }

    public boolean isTime() {
        return time;
    }

    /** The type for a {@code pg_type.typname}, if the operator manages partitions keyed on it. */
    public static Optional<KeyType> fromCatalog(String typname) {
        return Optional.ofNullable(switch (typname) {
            case "timestamptz" -> TIMESTAMPTZ;
            case "timestamp" -> TIMESTAMP;
            case "date" -> DATE;
            case "int8" -> BIGINT;
            case "int4" -> INTEGER;
            case "int2" -> SMALLINT;
            default -> null;
        });
    }

    /** An SQL literal of this type; built only from a number, so nothing a user typed reaches SQL through it. */
    public String sqlLiteral(long key) {
        return switch (this) {
            case TIMESTAMPTZ -> "'" + LITERAL.format(wallClock(key)) + "+00'::timestamptz";
            case TIMESTAMP -> "'" + LITERAL.format(wallClock(key)) + "'::timestamp";
            case DATE -> "'" + wallClock(key).toLocalDate() + "'::date";
            default -> Long.toString(key);
        };
    }

    /** A key rendered for status: RFC 3339 for timestamptz, ISO local for timestamp and date, digits for ids. */
    public String describe(long key) {
        return switch (this) {
            case TIMESTAMPTZ -> Instant.EPOCH.plus(key, ChronoUnit.MICROS).toString();
            case TIMESTAMP -> wallClock(key).toString();
            case DATE -> wallClock(key).toLocalDate().toString();
            default -> Long.toString(key);
        };
    }

    /**
     * A key for people: {@link #describe(long)}, and for an id key the time it stands for next to it, as in
     * {@code 660995466854400000 (2026-07-01T00:00:00Z)}. Time keys are shown as they are.
     *
     * @param timeOf the time of an id (RFC 3339), or null when the layout cannot say; null for no time at all
     */
    public String describe(long key, LongFunction<String> timeOf) {
        String at = time || timeOf == null ? null : timeOf.apply(key);
        return at == null ? describe(key) : describe(key) + " (" + at + ")";
    }

    private static LocalDateTime wallClock(long micros) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
    }
}

package io.noetl.lifecycle.partition.plan;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/**
 * Calendar intervals over a time key. For {@code timestamptz} keys boundaries are instants at the interval's
 * start in {@code zone} (so a day in a DST zone is 23 or 25 hours long); for {@code timestamp} and {@code date}
 * keys, which carry no zone, boundaries are plain wall-clock times.
 */
public final class TimeGrid implements PartitionGrid {
    private final TimeInterval interval;
    private final ZoneId zone;
    private final KeyType keyType;

    public TimeGrid(TimeInterval interval, ZoneId zone, KeyType keyType) {
        if (!keyType.isTime()) {
            throw new IllegalArgumentException("a time grid needs a time key, not " + keyType);
        }
        if (keyType == KeyType.DATE && interval == TimeInterval.HOUR) {
            throw new IllegalArgumentException("a date key cannot be partitioned by the hour");
        }
        this.interval = interval;
        this.zone = zone;
        this.keyType = keyType;
    }

    /** The key of an instant: its epoch micros, or for zoneless keys its wall-clock time in {@code zone}. */
    public long keyOf(Instant instant) {
        if (keyType == KeyType.TIMESTAMPTZ) {
            return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH,
                instant.atZone(zone).toLocalDateTime().toInstant(ZoneOffset.UTC));
    }

    @Override
    public Window windowContaining(long key) {
        ZonedDateTime start = floor(zoned(key));
        return new Window(key(start), key(advance(start)));
    }

    @Override
    public String partitionName(String tableName, Window w) {
        ZonedDateTime s = zoned(w.from());
        String suffix = switch (interval) {
            case HOUR -> String.format(Locale.ROOT, "_%04d_%02d_%02d_%02d", s.getYear(), s.getMonthValue(),
                    s.getDayOfMonth(), s.getHour())
                    // the second of two equal wall-clock hours when clocks go back
                    + (s.isEqual(s.withEarlierOffsetAtOverlap()) ? "" : "_2");
            case DAY -> String.format(Locale.ROOT, "_%04d_%02d_%02d", s.getYear(), s.getMonthValue(),
                    s.getDayOfMonth());
            case WEEK -> String.format(Locale.ROOT, "_%04d_w%02d", s.get(IsoFields.WEEK_BASED_YEAR),
                    s.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTH -> String.format(Locale.ROOT, "_%04d_%02d", s.getYear(), s.getMonthValue());
        };
        return tableName + suffix;
    }

    private ZonedDateTime floor(ZonedDateTime t) {
        return switch (interval) {
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            case DAY -> t.toLocalDate().atStartOfDay(t.getZone());
            case WEEK -> t.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                    .atStartOfDay(t.getZone());
            case MONTH -> t.toLocalDate().withDayOfMonth(1).atStartOfDay(t.getZone());
        };
    }

    private ZonedDateTime advance(ZonedDateTime start) {
        return switch (interval) {
            case HOUR -> start.plusHours(1);
            case DAY -> start.toLocalDate().plusDays(1).atStartOfDay(start.getZone());
            case WEEK -> start.toLocalDate().plusWeeks(1).atStartOfDay(start.getZone());
            case MONTH -> start.toLocalDate().plusMonths(1).atStartOfDay(start.getZone());
        };
    }

    /** Zoneless keys are laid out on a UTC calendar, where every day is 24 hours: wall-clock arithmetic. */
    private ZonedDateTime zoned(long key) {
        Instant instant = Instant.EPOCH.plus(key, ChronoUnit.MICROS);
        return keyType == KeyType.TIMESTAMPTZ ? instant.atZone(zone) : instant.atZone(ZoneOffset.UTC);
    }

    private long key(ZonedDateTime t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t.toInstant());
    }

    /**
     * The instant a key stands for: zoneless keys are read as wall-clock times in {@code zone}, by PostgreSQL's rule
     * for {@code timestamp AT TIME ZONE zone} ({@link #wallClockInstant}), so that the operator and the server agree.
     */
    public Instant instantOf(long key) {
        Instant instant = Instant.EPOCH.plus(key, ChronoUnit.MICROS);
        return keyType == KeyType.TIMESTAMPTZ ? instant
                : wallClockInstant(LocalDateTime.ofInstant(instant, ZoneOffset.UTC), zone);
    }

    /**
     * The instant of a wall-clock time in {@code zone} as PostgreSQL's {@code AT TIME ZONE} reads it: a time the zone
     * skips (clocks go forward) at the offset before the change, which is also what {@code atZone} does; a time it
     * repeats (clocks go back) as its second occurrence, standard time, where {@code atZone} would take the first.
     */
    public static Instant wallClockInstant(LocalDateTime wallClock, ZoneId zone) {
        return wallClock.atZone(zone).withLaterOffsetAtOverlap().toInstant();
    }
}

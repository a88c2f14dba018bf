package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;

/** Calendar windows in UTC (quarters, half-years, months, years) mapped to Snowflake id ranges. */
public final class IdWindowGrid implements PartitionGrid {
    private final EventWindow window;
    private final SnowflakeLayout layout;

    public IdWindowGrid(EventWindow window, SnowflakeLayout layout) {
        this.window = window;
        this.layout = layout;
    }

    @Override
    public Window windowContaining(long id) {
        LocalDate start = start(layout.timeOf(id).atZone(ZoneOffset.UTC).toLocalDate());
        return new Window(layout.boundaryId(instant(start)), layout.boundaryId(instant(advance(start))));
    }

    @Override
    public String timeOf(long id) {
        try {
            return layout.timeOf(id).toString();
        } catch (ArithmeticException | java.time.DateTimeException e) {
            return null;
        }
    }

    /** The window holding {@code time}. */
    public Window windowAt(Instant time) {
        return windowContaining(layout.boundaryId(time));
    }

    @Override
    public String partitionName(String tableName, Window w) {
        ZonedDateTime s = layout.timeOf(w.from()).atZone(ZoneOffset.UTC);
        return tableName + switch (window) {
            case Quarter -> String.format(Locale.ROOT, "_%04d_q%d", s.getYear(), (s.getMonthValue() - 1) / 3 + 1);
            case HalfYear -> String.format(Locale.ROOT, "_%04d_h%d", s.getYear(), (s.getMonthValue() - 1) / 6 + 1);
            case Month -> String.format(Locale.ROOT, "_%04d_%02d", s.getYear(), s.getMonthValue());
            case Year -> String.format(Locale.ROOT, "_%04d", s.getYear());
        };
    }

    private LocalDate start(LocalDate d) {
        return switch (window) {
            case Quarter -> LocalDate.of(d.getYear(), (d.getMonthValue() - 1) / 3 * 3 + 1, 1);
            case HalfYear -> LocalDate.of(d.getYear(), (d.getMonthValue() - 1) / 6 * 6 + 1, 1);
            case Month -> d.withDayOfMonth(1);
            case Year -> d.withDayOfYear(1);
        };
    }

    private LocalDate advance(LocalDate start) {
        return switch (window) {
            case Quarter -> start.plusMonths(3);
            case HalfYear -> start.plusMonths(6);
            case Month -> start.plusMonths(1);
            case Year -> start.plusYears(1);
        };
    }

    private static Instant instant(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
}

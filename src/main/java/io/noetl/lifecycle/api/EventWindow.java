package io.noetl.lifecycle.api;

/** Calendar windows (UTC) an event partition covers. */
public enum EventWindow {
    Quarter, HalfYear, Month, Year
}

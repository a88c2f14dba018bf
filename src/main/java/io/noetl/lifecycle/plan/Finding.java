package io.noetl.lifecycle.plan;

/** Something the planner noticed that a person should know about; {@code reason} is a stable CamelCase word. */
public record Finding(String reason, String message) {
}

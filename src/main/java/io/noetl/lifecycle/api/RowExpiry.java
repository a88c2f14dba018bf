package io.noetl.lifecycle.api;

/** What a policy does with a per-row expiry column ({@code expires_at}, NoETL's TTL) when it retires a partition. */
public enum RowExpiry {
    /**
     * A partition past retention that still holds a row whose {@code expires_at} is ahead of the server's clock is
     * kept until its last such row expires, and reported ({@code RowsNotExpired}).
     */
    Honor,
    /** Partitions go by their bounds alone, as NoETL's own {@code cleanup_expired_metrics()} drops them. */
    Ignore
}

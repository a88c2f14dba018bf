package io.noetl.lifecycle.api;

/**
 * What a policy with {@code spec.export} does with a closed partition holding rows its export could not send (a
 * {@code NaN} value, a second row of one series in one millisecond, labels the mapping cannot express): those rows
 * are never at the receiver, so retiring the partition loses them.
 */
public enum RefusedRows {
    /**
     * A partition past retention whose export refused rows is kept, even once the samples sent are confirmed, and
     * reported ({@code ExportRefusedRows}, with the count and one of the rows); it goes once the rule is
     * {@link #Accept}, or once its rows are corrected and its export forgotten, so that it is sent again.
     */
    Hold,
    /** Refused rows count as handled: a partition whose samples sent are confirmed may go, its refused rows with it. */
    Accept
}

package io.noetl.lifecycle.support;

import io.noetl.lifecycle.report.Verdict;
import java.util.List;

/** A verdict in the words the verdict tests' tables use: "True Maintained", "Warning LockTimeout". */
public final class VerdictText {
    private VerdictText() {
    }

    public static String mark(Verdict.Mark mark) {
        return (mark.status() ? "True " : "False ") + mark.reason().code();
    }

    public static List<String> events(Verdict v) {
        return v.events().stream().map(n -> (n.warning() ? "Warning " : "Normal ") + n.reason()).toList();
    }
}

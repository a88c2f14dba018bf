package io.noetl.lifecycle.metric.rollup;

import java.util.List;
import java.util.Optional;

/**
 * The rule on a policy's tiers (seed 002: "the intervals of older compression buckets MUST be multiples of earlier
 * intervals"): from the first tier to the last, each resolution is coarser than the one before and a whole multiple
 * of it. Then each bucket of a tier is a union of whole buckets of the tier before, so a tier can be filled from the
 * one before it ({@link Buckets#coarsen}) and a reader can move from one tier to the next at any bucket boundary of
 * the coarser one.
 */
public final class Tiers {
    private Tiers() {
    }

    /**
     * What breaks the rule, naming the first tier that does; empty when the tiers keep it (no tiers, or one, always
     * do). The spec parser turns a problem into {@code InvalidSpec} on that tier's field.
     */
    public static Optional<Problem> check(List<Resolution> resolutions) {
        for (int i = 1; i < resolutions.size(); i++) {
            Resolution before = resolutions.get(i - 1);
            Resolution r = resolutions.get(i);
            if (r.width().compareTo(before.width()) <= 0) {
                return Optional.of(new Problem(i, "tier " + (i + 1) + "'s resolution " + r + " is not coarser than "
                        + before + ", tier " + i + "'s; list the tiers from the finest to the coarsest"));
            }
            if (!before.divides(r)) {
                return Optional.of(new Problem(i, "tier " + (i + 1) + "'s resolution " + r + " is not a multiple of "
                        + before + ", tier " + i + "'s, so its buckets would not be made of whole " + before
                        + " buckets; use a multiple such as " + new Resolution(before.width().multipliedBy(
                                r.width().getSeconds() / before.width().getSeconds() + 1))));
            }
        }
        return Optional.empty();
    }

    /**
     * @param index the offending tier's position in the list, from 0
     * @param message what is wrong, naming the tiers from 1 as a reader counts them
     */
    public record Problem(int index, String message) {
    }
}

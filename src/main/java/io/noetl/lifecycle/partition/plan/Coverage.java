package io.noetl.lifecycle.partition.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What the partitions of a table cover, read from one snapshot: the run of partitions from now onwards, the
 * holes between the oldest and the newest partition, and the two ends.
 *
 * @param coveredUntil end of the contiguous partitions starting with the one holding now; empty when no
 *     partition holds now (or the run is unbounded)
 * @param gaps missing ranges, oldest first
 */
public record Coverage(Optional<Long> coveredUntil, List<KeyRange> gaps, Optional<ObservedPartition> oldest,
        Optional<ObservedPartition> newest) {

    public static Coverage of(List<ObservedPartition> partitions, long now) {
        List<ObservedPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(Comparator.comparing(p -> p.range().from(), Comparator.nullsFirst(Comparator.naturalOrder())));

        List<KeyRange> gaps = new ArrayList<>();
        for (int i = 1; i < sorted.size(); i++) {
            Long prevTo = sorted.get(i - 1).range().to();
            Long from = sorted.get(i).range().from();
            if (prevTo != null && from != null && prevTo < from) {
                gaps.add(new KeyRange(prevTo, from));
            }
        }

        Optional<Long> coveredUntil = Optional.empty();
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).range().contains(now)) {
                Long end = sorted.get(i).range().to();
                for (int j = i + 1; j < sorted.size() && end != null && end.equals(sorted.get(j).range().from()); j++) {
                    end = sorted.get(j).range().to();
                }
                coveredUntil = Optional.ofNullable(end);
                break;
            }
        }

        Optional<ObservedPartition> newest = sorted.stream().max(Comparator.comparing(p -> p.range().to(),
                Comparator.nullsLast(Comparator.naturalOrder())));
        return new Coverage(coveredUntil, gaps, sorted.stream().findFirst(), newest);
    }
}

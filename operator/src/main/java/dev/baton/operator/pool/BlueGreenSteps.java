package dev.baton.operator.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * BlueGreen: a whole fresh set starts beside the old one; only when all of it serves are the old
 * drivers drained, all at once, and every session moves.
 */
final class BlueGreenSteps implements StepPlanner {
  @Override
  public Steps next(Fleet fleet, int maxSurge, int maxUnavailable) {
    int replicas = fleet.replicas();
    int create = Math.max(0, replicas - fleet.fresh().size());
    List<String> drain = new ArrayList<>();
    fleet.fresh().stream().sorted(Fleet.CHEAPEST_FIRST).limit(Math.max(0, fleet.fresh().size() - replicas))
        .forEach(d -> drain.add(d.name()));
    if (fleet.freshUp() >= replicas) {
      fleet.outdatedServing().forEach(d -> drain.add(d.name()));
    }
    return new Steps(create, drain, List.of());
  }
}

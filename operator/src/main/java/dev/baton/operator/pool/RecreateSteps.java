package dev.baton.operator.pool;

import java.util.List;

/**
 * Recreate, the strategy of last resort for a driver version that cannot import an older
 * version's sessions: outdated drivers are deleted at once, sessions and all, and fresh ones
 * start. Each lost session is re-opened from its declared state with the same id by the
 * ClientSession reconciler, which reports what was lost.
 */
final class RecreateSteps implements StepPlanner {
  @Override
  public Steps next(Fleet fleet, int maxSurge, int maxUnavailable) {
    int create = Math.max(0, fleet.replicas() - fleet.fresh().size());
    List<String> drain = fleet.fresh().stream().sorted(Fleet.CHEAPEST_FIRST)
        .limit(Math.max(0, fleet.fresh().size() - fleet.replicas())).map(DriverView::name).toList();
    return new Steps(create, drain, fleet.outdated().stream().map(DriverView::name).toList());
  }
}

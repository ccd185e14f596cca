package dev.baton.operator.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * RollingHandoff, which is also how a pool with nothing to replace scales: start fresh drivers
 * while serving drivers stay within {@code replicas + maxSurge}; drain an outdated driver whenever
 * the drivers that serve without it still number {@code replicas - maxUnavailable}. A draining
 * driver no longer counts toward either limit: it takes no new session and leaves once the
 * sessions it holds have moved, so a slow drain never blocks the next new driver.
 */
final class RollingHandoffSteps implements StepPlanner {
  @Override
  public Steps next(Fleet fleet, int maxSurge, int maxUnavailable) {
    int replicas = fleet.replicas();
    int create = Math.max(0, Math.min(replicas - fleet.fresh().size(), replicas + maxSurge - fleet.serving().size()));
    List<String> drain = new ArrayList<>();
    // More fresh drivers than wanted (a scale-down): the cheapest go.
    fleet.fresh().stream().sorted(Fleet.CHEAPEST_FIRST).limit(Math.max(0, fleet.fresh().size() - replicas))
        .forEach(d -> drain.add(d.name()));
    // More serving drivers than the surge allows (a scale-down mid-rollout): outdated ones go first.
    int over = fleet.serving().size() - drain.size() - (replicas + maxSurge);
    for (DriverView d : fleet.outdatedServing().stream().sorted(Fleet.CHEAPEST_FIRST).toList()) {
      if (over-- <= 0) {
        break;
      }
      drain.add(d.name());
    }
    // The handoff: each outdated driver goes while enough others serve.
    int minUp = Math.max(0, replicas - maxUnavailable);
    long up = fleet.serving().stream().filter(d -> !drain.contains(d.name()) && d.up()).count();
    for (DriverView d : fleet.outdatedServing().stream().sorted(Fleet.CHEAPEST_FIRST).toList()) {
      if (drain.contains(d.name())) {
        continue;
      }
      if (!d.up()) {
        // Not serving now: it costs no capacity. One that never ran or holds nothing goes at
        // once; one that holds sessions (or unknown ones) goes once a new driver serves, so a
        // probe that fails once before then drains nothing.
        if (!d.started() || d.reachable() && d.sessions() == 0 || fleet.freshUp() > 0) {
          drain.add(d.name());
        }
      } else if (up - 1 >= minUp) {
        drain.add(d.name());
        up--;
      }
    }
    return new Steps(create, drain, List.of());
  }
}

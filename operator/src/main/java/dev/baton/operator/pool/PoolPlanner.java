package dev.baton.operator.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides what a pool needs, from what is observed. Pure: no API or driver calls, so every rule
 * here is unit-tested without a cluster.
 *
 * <ul>
 *   <li>Too few serving drivers: create the missing ones at the update revision.
 *   <li>Too many: drain the cheapest to remove first — not ready, then another revision, then
 *       fewest sessions, then youngest — so scaling down moves as few sessions as possible.
 *   <li>A draining driver is deleted once it says it holds no session, or if it never ran;
 *       one whose status cannot be read is kept (unknown is not empty) until it answers or its
 *       pod fails. A failed driver is deleted (its replacement is created in the same step,
 *       since it no longer counts as serving).
 *   <li>New sessions go to drivers that are ready, of the current revision, not draining,
 *       accepting (by their own word) and under the per-driver session limit.
 * </ul>
 */
public final class PoolPlanner {
  private PoolPlanner() {}

  public static PoolPlan plan(int replicas, int maxPerDriver, String updateRevision, String previousCurrent,
      List<DriverView> drivers) {
    List<DriverView> serving = drivers.stream().filter(DriverView::serving).toList();
    String current = currentRevision(updateRevision, previousCurrent, serving);

    int create = Math.max(0, replicas - serving.size());
    List<String> drain = new ArrayList<>();
    if (serving.size() > replicas) {
      serving.stream()
          .sorted(Comparator.comparing((DriverView d) -> d.ready())
              .thenComparing(d -> d.revision().equals(updateRevision))
              .thenComparingInt(DriverView::sessions)
              .thenComparing(DriverView::created, Comparator.reverseOrder()))
          .limit(serving.size() - replicas)
          .forEach(d -> drain.add(d.name()));
    }
    List<String> delete = drivers.stream()
        .filter(d -> !d.terminating() && (d.failed()
            || d.draining() && (!d.started() || d.reachable() && d.sessions() == 0)))
        .map(DriverView::name).toList();
    List<DriverView> endpoints = serving.stream()
        .filter(d -> !drain.contains(d.name()))
        .filter(d -> d.ready() && d.reachable() && d.accepting() && d.ip() != null)
        .filter(d -> d.revision().equals(current))
        .filter(d -> d.sessions() < maxPerDriver)
        .sorted(Comparator.comparing(DriverView::name))
        .toList();
    return new PoolPlan(create, drain, delete, endpoints, current);
  }

  /**
   * The revision serving now: stays what it was while any serving driver still runs it (a
   * rollout moves it on), else the update revision.
   */
  static String currentRevision(String updateRevision, String previous, List<DriverView> serving) {
    if (previous != null && serving.stream().anyMatch(d -> d.revision().equals(previous))) {
      return previous;
    }
    return updateRevision;
  }
}

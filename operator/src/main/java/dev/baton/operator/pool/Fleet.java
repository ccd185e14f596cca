package dev.baton.operator.pool;

import java.util.Comparator;
import java.util.List;

/**
 * A pool's drivers sorted against the revision the pool is heading to. A driver is <em>fresh</em>
 * when it runs that revision on a node that is not cordoned; every other live driver is
 * <em>outdated</em> and is to be replaced.
 *
 * @param target the revision new drivers are created at and sessions move to
 * @param live drivers not being deleted
 * @param serving live drivers that count toward replicas (not draining, not failed)
 * @param fresh serving drivers at the target revision
 * @param outdatedServing serving drivers to be replaced
 * @param outdated live, not failed drivers to be replaced, draining ones included
 */
record Fleet(String target, int replicas, List<DriverView> live, List<DriverView> serving, List<DriverView> fresh,
    List<DriverView> outdatedServing, List<DriverView> outdated) {

  /**
   * Cheapest to remove first: not serving yet, then fewest sessions (fewest moves), then the
   * youngest. Unknown session counts sort last: a driver that does not answer is not assumed empty.
   */
  static final Comparator<DriverView> CHEAPEST_FIRST = Comparator.comparing(DriverView::up)
      .thenComparing(d -> !d.reachable())
      .thenComparingInt(DriverView::sessions)
      .thenComparing(DriverView::created, Comparator.reverseOrder())
      .thenComparing(DriverView::name);

  static Fleet of(String target, int replicas, List<DriverView> drivers) {
    List<DriverView> live = drivers.stream().filter(d -> !d.terminating()).toList();
    List<DriverView> serving = live.stream().filter(DriverView::serving).toList();
    List<DriverView> fresh = serving.stream().filter(d -> isFresh(d, target)).toList();
    List<DriverView> outdatedServing = serving.stream().filter(d -> !isFresh(d, target)).toList();
    List<DriverView> outdated = live.stream().filter(d -> !d.failed() && !isFresh(d, target)).toList();
    return new Fleet(target, replicas, live, serving, fresh, outdatedServing, outdated);
  }

  static boolean isFresh(DriverView d, String target) {
    return d.revision().equals(target) && !d.cordoned();
  }

  long freshUp() {
    return fresh.stream().filter(DriverView::up).count();
  }

  /** Sessions on drivers to be replaced, counted on those that answer (unknown is not zero). */
  int sessionsToMove() {
    return outdated.stream().filter(DriverView::reachable).mapToInt(DriverView::sessions).sum();
  }

  /** Nothing left to replace, and the pool's drivers all serve at the target revision. */
  boolean settled() {
    return outdated.isEmpty() && freshUp() >= replicas && fresh.size() == replicas;
  }
}

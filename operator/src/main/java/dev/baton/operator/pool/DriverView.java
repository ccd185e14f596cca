package dev.baton.operator.pool;

import java.time.Instant;

/**
 * What the operator knows of one driver pod when it decides: from the pod (revision, readiness,
 * deletion, draining label) and from the driver itself (DriverControl.Status), when reachable.
 *
 * @param started the driver's container has run at some point (running or exited): one that
 *     never ran holds no session
 * @param reachable the driver answered Status just now; when false its sessions are unknown
 * @param accepting the driver answered Status and said it accepts sessions
 * @param sessions sessions open on it; meaningful only when {@code reachable} (unknown is not 0)
 * @param unschedulable the pod cannot be scheduled (no capacity)
 * @param failed the driver process exited (driver pods never restart in place: a restarted
 *     driver would have lost its sessions anyway, so a failed pod is replaced)
 * @param cordoned the driver's node is cordoned (node maintenance): it is replaced like a driver
 *     of an old revision
 */
public record DriverView(String name, String ip, String revision, boolean ready, boolean started,
    boolean terminating, boolean draining, boolean reachable, boolean accepting, int sessions, boolean unschedulable,
    boolean failed, Instant created, boolean cordoned) {

  public DriverView(String name, String ip, String revision, boolean ready, boolean started, boolean terminating,
      boolean draining, boolean reachable, boolean accepting, int sessions, boolean unschedulable, boolean failed,
      Instant created) {
    this(name, ip, revision, ready, started, terminating, draining, reachable, accepting, sessions, unschedulable,
        failed, created, false);
  }

  /** Serves now, by its own word: ready, answering and accepting sessions. */
  boolean up() {
    return ready && reachable && accepting;
  }

  /** Counts toward the pool's replicas: not failed, not being deleted, not being emptied. */
  boolean serving() {
    return !terminating && !draining && !failed;
  }
}

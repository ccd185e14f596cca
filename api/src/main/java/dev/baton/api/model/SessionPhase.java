package dev.baton.api.model;

/** Where a session is in its life. */
public enum SessionPhase {
  /** Not yet open on a driver. */
  Pending,
  /** Open on the driver named in status. */
  Bound,
  /** Being moved to another driver; calls wait for it. */
  Migrating,
  /** Closed (idle timeout or deletion). */
  Closed,
  /** Cannot be placed or opened; the conditions say why. */
  Failed
}

package dev.baton.operator.session;

/**
 * Told when a move reaches a point, right after that point's status is written and before the
 * next effect. Production uses {@link #NONE}; tests stop the operator at a chosen point to prove
 * a restarted operator finishes or aborts every move from status alone.
 */
@FunctionalInterface
public interface MoveHook {
  /** The points a move passes, in order. */
  enum Point {
    /** Phase Migrating and step Freezing are written; the freeze is next. */
    MIGRATING_WRITTEN,
    /** The old copy is frozen and exported; step Importing is next. */
    FROZEN,
    /** The new copy is imported; binding is next. */
    IMPORTED,
    /** Bound at the new driver is written; releasing the old copy is next. */
    BOUND_WRITTEN
  }

  MoveHook NONE = (sessionId, point) -> {};

  void reached(String sessionId, Point point);
}

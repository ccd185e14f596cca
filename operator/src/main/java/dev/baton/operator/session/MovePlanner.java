package dev.baton.operator.session;

import dev.baton.api.model.MoveStep;
import dev.baton.api.model.SessionMove;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides the next step of a session's move from its status and what is observed now. Pure: the
 * reconciler observes, asks here, then acts, so every rule is unit-tested without a cluster.
 *
 * <ul>
 *   <li>A session on a draining driver starts moving once a driver takes sessions; it is frozen
 *       only in a quiet moment (no operation running), or once drainTimeout has passed, when its
 *       running operations are stopped for the move (their callers are told why).
 *   <li>A move at Freezing or Importing resumes: export again (the old copy stays frozen, so the
 *       state is the same), import (exactly once: an existing copy counts as imported), bind.
 *   <li>Its target gone before Bound: the move aborts and the old copy is unfrozen.
 *   <li>Its source gone: the session is bound where it was imported, or else it is lost and is
 *       re-opened from its declared state.
 *   <li>Anything unknown (a driver that does not answer): wait. Nothing is decided on an unknown.
 * </ul>
 */
public final class MovePlanner {
  private MovePlanner() {}

  /** What is known of a driver. */
  public enum Known { ALIVE, UNKNOWN, GONE }

  /**
   * What the reconciler observed.
   *
   * @param from the driver the session is on (or moving from)
   * @param fromDraining that driver is being emptied
   * @param onFrom the session is on that driver (meaningful when {@code from} is ALIVE)
   * @param runningOnFrom operations running in the session there
   * @param targetAvailable some other driver takes sessions
   * @param to the move's target, when it has one
   * @param onTo the session is on the target (meaningful when {@code to} is ALIVE)
   */
  public record Facts(Known from, boolean fromDraining, boolean onFrom, int runningOnFrom, boolean targetAvailable,
      Known to, boolean onTo) {}

  /** The next step. */
  public enum Action {
    /** Nothing to do now. */
    NONE,
    /** Record that the session waits for a quiet moment (keeps working meanwhile). */
    WAIT_FOR_QUIET,
    /** Freeze, export, import, bind, release. */
    FREEZE,
    /** As FREEZE, stopping operations still running (drainTimeout passed). */
    FREEZE_STOPPING_OPERATIONS,
    /** Continue a move whose freeze was taken: export again, import, bind, release. */
    RESUME,
    /** The target holds the session and its source is gone: bind there. */
    BIND,
    /** Bound at the target: release the old copy (if its driver still runs) and end the move. */
    RELEASE,
    /** Unfreeze the old copy and end the move (its target is gone). */
    ABORT,
    /** End the move record without touching drivers (the draining stopped, or the driver is gone). */
    FORGET,
    /** The session is on no driver: end the move; it is re-opened from its declared state. */
    LOST
  }

  public static Action next(SessionMove move, Facts f, Instant now, Duration drainTimeout) {
    if (move == null || move.getStep() == null) {
      if (f.from() != Known.ALIVE || !f.fromDraining() || !f.onFrom()) {
        return Action.NONE;
      }
      return f.runningOnFrom() == 0 && f.targetAvailable() ? Action.FREEZE : Action.WAIT_FOR_QUIET;
    }
    MoveStep step = move.getStep();
    switch (step) {
      case WaitingForQuiet -> {
        if (f.from() == Known.UNKNOWN) {
          return Action.NONE;
        }
        if (f.from() == Known.GONE || !f.fromDraining() || !f.onFrom()) {
          return Action.FORGET;
        }
        if (!f.targetAvailable()) {
          return Action.NONE;
        }
        if (f.runningOnFrom() == 0) {
          return Action.FREEZE;
        }
        Instant since = move.getSince() == null ? now : Instant.parse(move.getSince());
        return now.isAfter(since.plus(drainTimeout)) ? Action.FREEZE_STOPPING_OPERATIONS : Action.NONE;
      }
      case Freezing, Importing -> {
        if (f.to() == Known.UNKNOWN) {
          return Action.NONE;
        }
        if (f.to() == Known.ALIVE && f.onTo() && step == MoveStep.Importing) {
          // Imported already (the operator stopped after the import): bind there.
          return Action.BIND;
        }
        if (f.from() == Known.UNKNOWN) {
          return Action.NONE;
        }
        if (f.from() == Known.GONE || !f.onFrom()) {
          return f.to() == Known.ALIVE && f.onTo() ? Action.BIND : Action.LOST;
        }
        return f.to() == Known.GONE ? Action.ABORT : Action.RESUME;
      }
      case Releasing -> {
        return f.from() == Known.UNKNOWN ? Action.NONE : Action.RELEASE;
      }
      default -> throw new IllegalStateException("unknown step " + step);
    }
  }
}

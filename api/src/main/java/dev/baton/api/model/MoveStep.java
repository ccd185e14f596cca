package dev.baton.api.model;

/**
 * The step a session's move is at, written to its status before the step is taken, so a
 * restarted operator resumes or aborts the move from status alone.
 */
public enum MoveStep {
  /** Its driver is draining; the session works there until no operation runs (up to drainTimeout). */
  WaitingForQuiet,
  /** Being exported with a freeze: the old driver answers its calls SESSION_MOVING and runs none. */
  Freezing,
  /** Being imported on the new driver. */
  Importing,
  /** Bound at the new driver; the old copy is being released (it then answers SESSION_MOVED). */
  Releasing
}

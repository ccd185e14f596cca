package dev.baton.api.model;

/** Where a rollout of a new driver revision stands. */
public enum RolloutPhase {
  /** New drivers are starting and sessions are being handed to them. */
  Progressing,
  /** {@code spec.upgrade.paused}: running moves finish, no new step starts. */
  Paused,
  /** Every driver runs the rollout's revision and serves. */
  Complete,
  /** No progress within progressDeadline and no rollback: old drivers keep serving, nothing more is removed. */
  Failed,
  /** No progress within progressDeadline: the pool is returning to its last stable revision. */
  RollingBack,
  /** The pool is back on its last stable revision; the failed one is not tried again until the spec changes. */
  RolledBack
}

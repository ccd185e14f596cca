package dev.baton.api.model;

/** How a new revision replaces the old drivers. */
public enum UpgradeStrategy {
  /** New drivers start, sessions are handed over one by one, old drivers are removed when empty. */
  RollingHandoff,
  /** A full set of new drivers starts; all sessions move; then the old set is removed. */
  BlueGreen,
  /** Old drivers are removed first (sessions are re-opened from their declared state). */
  Recreate
}

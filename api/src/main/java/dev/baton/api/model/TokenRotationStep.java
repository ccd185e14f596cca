package dev.baton.api.model;

/**
 * The step a rotation of a pool's tokens is at, written to status before the step is taken, so a
 * restarted operator continues the rotation from status alone.
 */
public enum TokenRotationStep {
  /** New tokens are being written beside the old ones in the pool's Secrets. */
  Staging,
  /** Every driver is told to accept the old and the new tokens. */
  Distributing,
  /** The Secrets' current tokens become the new ones: the gateways and the operator switch. */
  Switching,
  /** Waiting until no caller has presented an old token for a while; then drivers accept only the new ones. */
  Retiring,
  /** The old tokens are accepted nowhere. */
  Complete
}

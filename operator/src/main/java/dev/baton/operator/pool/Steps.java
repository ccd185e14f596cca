package dev.baton.operator.pool;

import java.util.List;

/**
 * The driver changes one reconcile makes for a rollout step.
 *
 * @param create drivers to create at the fleet's target revision
 * @param drain drivers to start emptying (their sessions move to fresh drivers; deleted when empty)
 * @param delete drivers to delete now, sessions or not (Recreate only)
 */
record Steps(int create, List<String> drain, List<String> delete) {
  static final Steps NONE = new Steps(0, List.of(), List.of());
}

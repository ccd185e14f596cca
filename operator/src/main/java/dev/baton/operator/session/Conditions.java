package dev.baton.operator.session;

import dev.baton.api.model.ClientSessionStatus;
import dev.baton.operator.pool.PoolConditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A ClientSession's conditions: {@code Ready}, and {@code StateLost} once its driver was lost. */
final class Conditions {
  static final String READY = "Ready";
  static final String STATE_LOST = "StateLost";

  private Conditions() {}

  static void setReady(ClientSessionStatus status, boolean ready, String reason, String message) {
    set(status, READY, ready, reason, message);
  }

  /** Says what was lost when the session had to be re-opened from its declared state. */
  static void setStateLost(ClientSessionStatus status, String reason, String message) {
    set(status, STATE_LOST, true, reason, message);
  }

  private static void set(ClientSessionStatus status, String type, boolean value, String reason, String message) {
    long generation = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    Condition next = PoolConditions.condition(previous, type, value, reason, message, generation, Instant.now());
    List<Condition> out = new ArrayList<>();
    boolean placed = false;
    for (Condition c : previous) {
      if (c.getType().equals(type)) {
        out.add(next);
        placed = true;
      } else {
        out.add(c);
      }
    }
    if (!placed) {
      out.add(next);
    }
    status.setConditions(out);
  }
}

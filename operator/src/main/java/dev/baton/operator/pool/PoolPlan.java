package dev.baton.operator.pool;

import dev.baton.api.model.RolloutStatus;
import java.util.List;

/**
 * What the operator does next for a pool, and the status that says so.
 *
 * @param create drivers to create, at {@code createRevision}
 * @param drain drivers to start emptying
 * @param delete drivers to delete now
 * @param endpoints the drivers that take new sessions (the pool's EndpointSlice)
 * @param currentRevision the revision the pool's drivers all ran when its last rollout completed
 * @param updateRevision where the pool is heading: sessions move only to drivers of this revision
 * @param rollout the latest rollout, or null if the pool never had one
 * @param progressing the Progressing condition
 * @param complete the RolloutComplete condition (the pipeline gate)
 * @param events what happened this step, to be recorded as Events
 */
public record PoolPlan(int create, String createRevision, List<String> drain, List<String> delete,
    List<DriverView> endpoints, String currentRevision, String updateRevision, String lastStableRevision,
    RolloutStatus rollout, Verdict progressing, Verdict complete, List<PlanEvent> events) {

  /** A condition's value, reason and message. */
  public record Verdict(boolean status, String reason, String message) {}

  /** An Event to record on the pool. */
  public record PlanEvent(boolean warning, String reason, String message) {}
}

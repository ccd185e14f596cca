package dev.baton.operator.pool;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The Available, Progressing and Degraded conditions of a pool (metav1.Condition), computed from
 * the observed drivers. A condition keeps its lastTransitionTime while its status is unchanged,
 * so a steady pool computes an identical status and writes nothing.
 */
public final class PoolConditions {
  private PoolConditions() {}

  public static List<Condition> compute(long generation, int replicas, int maxUnavailable, String updateRevision,
      String currentRevision, boolean paused, List<DriverView> drivers, PoolPlan plan, List<Condition> previous,
      Instant now) {
    List<DriverView> serving = drivers.stream().filter(DriverView::serving).toList();
    long ready = serving.stream().filter(DriverView::ready).count();
    boolean available = !plan.endpoints().isEmpty() && ready >= Math.max(1, replicas - maxUnavailable)
        || replicas == 0;
    Condition availableCond = condition(previous, "Available", available,
        available ? "MinimumDriversAvailable" : "MinimumDriversUnavailable",
        ready + " of " + replicas + " drivers ready, " + plan.endpoints().size() + " accepting sessions",
        generation, now);

    String progressingReason;
    String progressingMessage;
    boolean progressing;
    if (!updateRevision.equals(currentRevision)) {
      progressing = !paused;
      progressingReason = paused ? "Paused" : "RolloutPending";
      progressingMessage = paused ? "rollout to revision " + updateRevision + " is paused"
          : "driver spec changed to revision " + updateRevision + "; drivers of revision " + currentRevision
              + " keep serving until they are handed over";
    } else if (serving.size() != replicas || ready != serving.size() || !plan.drain().isEmpty()
        || drivers.stream().anyMatch(DriverView::draining)) {
      progressing = true;
      progressingReason = "Scaling";
      progressingMessage = "scaling to " + replicas + " drivers (" + serving.size() + " present, " + ready + " ready)";
    } else {
      progressing = false;
      progressingReason = "Stable";
      progressingMessage = "all " + replicas + " drivers at revision " + currentRevision;
    }
    Condition progressingCond = condition(previous, "Progressing", progressing, progressingReason,
        progressingMessage, generation, now);

    List<String> unschedulable = drivers.stream().filter(DriverView::unschedulable).map(DriverView::name).toList();
    List<String> failed = drivers.stream().filter(DriverView::failed).map(DriverView::name).toList();
    Condition degradedCond;
    if (!unschedulable.isEmpty()) {
      degradedCond = condition(previous, "Degraded", true, "InsufficientCapacity",
          "driver pods cannot be scheduled: " + String.join(", ", unschedulable), generation, now);
    } else if (!failed.isEmpty()) {
      degradedCond = condition(previous, "Degraded", true, "DriverFailed",
          "driver pods failed and are being replaced: " + String.join(", ", failed), generation, now);
    } else {
      degradedCond = condition(previous, "Degraded", false, "AsExpected", "no driver is failing", generation, now);
    }
    return List.of(availableCond, progressingCond, degradedCond);
  }

  /** A condition that keeps its previous lastTransitionTime when its status did not change. */
  public static Condition condition(List<Condition> previous, String type, boolean value, String reason,
      String message, long generation, Instant now) {
    String status = value ? "True" : "False";
    String since = now.truncatedTo(ChronoUnit.SECONDS).toString();
    if (previous != null) {
      for (Condition c : previous) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withObservedGeneration(generation).withLastTransitionTime(since).build();
  }
}

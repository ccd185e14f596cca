package dev.baton.operator.pool;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The Available, Progressing, Degraded and RolloutComplete conditions of a pool
 * (metav1.Condition). A condition keeps its lastTransitionTime while its status is unchanged, so
 * a steady pool computes an identical status and writes nothing.
 */
public final class PoolConditions {
  /** True only when every driver serves at the revision of the current generation: the pipeline gate. */
  public static final String ROLLOUT_COMPLETE = "RolloutComplete";

  private PoolConditions() {}

  /**
   * @param gatewayWanted gateway replicas the pool asks for
   * @param gatewayReady gateway replicas ready: clients reach the pool only through them
   */
  public static List<Condition> compute(long generation, int replicas, int maxUnavailable, List<DriverView> drivers,
      PoolPlan plan, int gatewayWanted, int gatewayReady, List<Condition> previous, Instant now) {
    List<DriverView> serving = drivers.stream().filter(d -> d.serving() && !d.terminating()).toList();
    long up = serving.stream().filter(DriverView::up).count();
    boolean driversAvailable = replicas == 0 || !plan.endpoints().isEmpty() && up >= Math.max(1, replicas - maxUnavailable);
    Condition available;
    if (!driversAvailable) {
      available = condition(previous, "Available", false, "MinimumDriversUnavailable",
          up + " of " + replicas + " drivers serve, " + plan.endpoints().size() + " accepting sessions", generation, now);
    } else if (gatewayWanted > 0 && gatewayReady == 0) {
      available = condition(previous, "Available", false, "GatewayUnavailable",
          "no gateway replica is ready: clients cannot reach the pool (see the gateway Deployment's pods)",
          generation, now);
    } else {
      available = condition(previous, "Available", true, "MinimumDriversAvailable",
          up + " of " + replicas + " drivers serve, " + plan.endpoints().size() + " accepting sessions; "
              + gatewayReady + " of " + gatewayWanted + " gateway replicas ready", generation, now);
    }
    Condition progressing = condition(previous, "Progressing", plan.progressing().status(), plan.progressing().reason(),
        plan.progressing().message(), generation, now);

    List<String> unschedulable = drivers.stream().filter(d -> d.unschedulable() && !d.terminating())
        .map(DriverView::name).toList();
    List<String> failed = drivers.stream().filter(DriverView::failed).map(DriverView::name).toList();
    Condition degraded;
    if (!unschedulable.isEmpty()) {
      degraded = condition(previous, "Degraded", true, "InsufficientCapacity",
          "driver pods cannot be scheduled: " + String.join(", ", unschedulable), generation, now);
    } else if (!failed.isEmpty()) {
      degraded = condition(previous, "Degraded", true, "DriverFailed",
          "driver pods failed and are being replaced: " + String.join(", ", failed), generation, now);
    } else {
      degraded = condition(previous, "Degraded", false, "AsExpected", "no driver is failing", generation, now);
    }
    Condition complete = condition(previous, ROLLOUT_COMPLETE, plan.complete().status(), plan.complete().reason(),
        plan.complete().message(), generation, now);
    return List.of(available, progressing, degraded, complete);
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

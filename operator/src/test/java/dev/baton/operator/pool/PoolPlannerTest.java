package dev.baton.operator.pool;

import dev.baton.api.Durations;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolPlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static DriverView driver(String name, String rev, boolean ready, int sessions, int ageSeconds) {
    return new DriverView(name, "127.0.0." + (name.hashCode() & 0x7f), rev, ready, true, false, false, ready, ready,
        sessions, false, false, T0.minusSeconds(ageSeconds));
  }

  @Test
  void createsWhatIsMissingAtTheUpdateRevision() {
    PoolPlan plan = PoolPlanner.plan(3, 50, "r1", null, List.of(driver("a", "r1", true, 0, 10)));
    assertThat(plan.create()).isEqualTo(2);
    assertThat(plan.drain()).isEmpty();
    assertThat(plan.currentRevision()).isEqualTo("r1");
  }

  @Test
  void scaleDownDrainsTheCheapestDriversFirst() {
    List<DriverView> drivers = List.of(
        driver("busy", "r1", true, 9, 100),
        driver("idle-old", "r1", true, 0, 100),
        driver("idle-young", "r1", true, 0, 10),
        driver("not-ready", "r1", false, 0, 5),
        driver("light", "r1", true, 1, 50));
    PoolPlan plan = PoolPlanner.plan(2, 50, "r1", "r1", drivers);
    assertThat(plan.create()).isZero();
    assertThat(plan.drain()).containsExactly("not-ready", "idle-young", "idle-old");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("busy", "light");
  }

  @Test
  void drainedDriversAreDeletedOnlyWhenEmpty() {
    DriverView empty = new DriverView("empty", "127.0.0.2", "r1", true, true, false, true, true, false, 0, false, false, T0);
    DriverView full = new DriverView("full", "127.0.0.3", "r1", true, true, false, true, true, false, 4, false, false, T0);
    PoolPlan plan = PoolPlanner.plan(1, 50, "r1", "r1", List.of(driver("keep", "r1", true, 0, 1), empty, full));
    assertThat(plan.delete()).containsExactly("empty");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("keep");
  }

  @Test
  void aDrainingDriverWhoseStatusCannotBeReadIsKeptWhateverItsReadiness() {
    // Its process stopped (probe failing) or its control endpoint refusing: its sessions are
    // unknown, not none. Deleting it would lose them.
    DriverView unready = new DriverView("stopped", "10.0.0.4", "r1", false, true, false, true, false, false, 0, false,
        false, T0);
    DriverView silent = new DriverView("silent", "10.0.0.5", "r1", true, true, false, true, false, false, 0, false,
        false, T0);
    PoolPlan plan = PoolPlanner.plan(1, 50, "r1", "r1", List.of(driver("keep", "r1", true, 0, 1), unready, silent));
    assertThat(plan.delete()).isEmpty();
    assertThat(plan.create()).as("draining drivers do not count toward replicas").isZero();
  }

  @Test
  void aDrainingDriverThatNeverRanIsDeleted() {
    DriverView neverRan = new DriverView("pulling", "10.0.0.6", "r1", false, false, false, true, false, false, 0, false,
        false, T0);
    PoolPlan plan = PoolPlanner.plan(1, 50, "r1", "r1", List.of(driver("keep", "r1", true, 0, 1), neverRan));
    assertThat(plan.delete()).containsExactly("pulling");
  }

  @Test
  void endpointsHoldOnlyAcceptingDriversOfTheCurrentRevisionUnderCapacity() {
    List<DriverView> drivers = new ArrayList<>(List.of(
        driver("ok", "r1", true, 3, 10),
        driver("full", "r1", true, 50, 10),
        driver("new-rev", "r2", true, 0, 1),
        driver("starting", "r1", false, 0, 1)));
    drivers.add(new DriverView("silent", "127.0.0.9", "r1", true, true, false, false, false, false, 0, false, false, T0));
    PoolPlan plan = PoolPlanner.plan(5, 50, "r2", "r1", drivers);
    assertThat(plan.currentRevision()).as("old drivers still serve: no rollout yet").isEqualTo("r1");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("ok");
  }

  @Test
  void currentRevisionMovesOnWhenNoDriverRunsItAnymore() {
    PoolPlan plan = PoolPlanner.plan(1, 50, "r2", "r1", List.of(driver("n", "r2", true, 0, 1)));
    assertThat(plan.currentRevision()).isEqualTo("r2");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("n");
  }

  @Test
  void aFailedDriverIsDeletedAndReplaced() {
    DriverView dead = new DriverView("dead", "10.0.0.9", "r1", false, true, false, false, false, false, 0, false, true, T0);
    PoolPlan plan = PoolPlanner.plan(2, 50, "r1", "r1", List.of(driver("alive", "r1", true, 1, 5), dead));
    assertThat(plan.delete()).containsExactly("dead");
    assertThat(plan.create()).isEqualTo(1);
    var conds = PoolConditions.compute(1, 2, 0, "r1", "r1", false, List.of(driver("alive", "r1", true, 1, 5), dead),
        plan, List.of(), T0);
    assertThat(conds.get(2).getReason()).isEqualTo("DriverFailed");
  }

  @Test
  void conditionsTellTheTruth() {
    List<DriverView> drivers = List.of(driver("a", "r1", true, 0, 1), driver("b", "r1", false, 0, 1));
    PoolPlan plan = PoolPlanner.plan(2, 50, "r1", "r1", drivers);
    var conds = PoolConditions.compute(3, 2, 0, "r1", "r1", false, drivers, plan, List.of(), T0);
    assertThat(conds).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
        .containsExactly("Available=False/MinimumDriversUnavailable", "Progressing=True/Scaling",
            "Degraded=False/AsExpected");
    assertThat(conds.get(0).getObservedGeneration()).isEqualTo(3L);

    List<DriverView> stable = List.of(driver("a", "r1", true, 0, 1), driver("b", "r1", true, 0, 1));
    PoolPlan stablePlan = PoolPlanner.plan(2, 50, "r1", "r1", stable);
    var first = PoolConditions.compute(3, 2, 0, "r1", "r1", false, stable, stablePlan, conds, T0.plusSeconds(5));
    var again = PoolConditions.compute(3, 2, 0, "r1", "r1", false, stable, stablePlan, first, T0.plusSeconds(60));
    assertThat(again).as("a steady pool computes the same conditions").isEqualTo(first);
    assertThat(first.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:05Z");

    var pending = PoolConditions.compute(4, 2, 0, "r2", "r1", true, stable, stablePlan, first, T0);
    assertThat(pending.get(1).getReason()).isEqualTo("Paused");
    assertThat(pending.get(1).getStatus()).isEqualTo("False");

    DriverView stuck = new DriverView("s", null, "r1", false, false, false, false, false, false, 0, true, false, T0);
    var degraded = PoolConditions.compute(1, 1, 0, "r1", "r1", false, List.of(stuck),
        PoolPlanner.plan(1, 50, "r1", "r1", List.of(stuck)), List.of(), T0);
    assertThat(degraded.get(2).getReason()).isEqualTo("InsufficientCapacity");
    assertThat(degraded.get(2).getMessage()).contains("s");
  }

  @Test
  void durationsAndSizes() {
    assertThat(Durations.parse("1h30m").toMinutes()).isEqualTo(90);
    assertThat(Durations.parse("500ms").toMillis()).isEqualTo(500);
    assertThat(DriverPodFactory.toDriverSize("512Mi")).isEqualTo("512MiB");
    assertThat(DriverPodFactory.toDriverSize("2G")).isEqualTo("2GB");
    assertThat(DriverPodFactory.toDriverSize("1024")).isEqualTo("1024");
  }
}

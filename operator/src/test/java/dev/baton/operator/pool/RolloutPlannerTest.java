package dev.baton.operator.pool;

import static dev.baton.operator.pool.FleetSimulation.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Durations;
import dev.baton.api.model.RolloutPhase;
import dev.baton.api.model.UpgradeStrategy;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RolloutPlannerTest {
  private static final Duration STEP = Duration.ofSeconds(5);

  private static DriverView driver(String name, String rev, boolean ready, int sessions, int ageSeconds) {
    return new DriverView(name, "127.0.0." + (name.hashCode() & 0x7f), rev, ready, true, false, false, ready, ready,
        sessions, false, false, T0.minusSeconds(ageSeconds));
  }

  private static PoolPlan steady(int replicas, String rev, List<DriverView> drivers) {
    return RolloutPlanner.plan(new PoolInput(replicas, 50, UpgradeStrategy.RollingHandoff, 1, 0,
        Duration.ofMinutes(10), true, false, rev, null, rev, rev, null, drivers, T0));
  }

  @ParameterizedTest(name = "maxSurge={0} maxUnavailable={1}")
  @CsvSource({"1,0", "0,1", "2,1", "3,0"})
  void rollingHandoffKeepsServingCapacityAndMovesEachSessionOnceToTheNewRevision(int surge, int unavailable) {
    FleetSimulation sim = new FleetSimulation(3, "a", 5);
    sim.maxSurge = surge;
    sim.maxUnavailable = unavailable;
    sim.specRevision = "b";
    sim.runUntil(s -> s.rollout != null && s.rollout.getPhase() == RolloutPhase.Complete, 40, plan -> {
      assertThat(sim.upServing()).as("drivers serving").isGreaterThanOrEqualTo(3 - unavailable);
      long serving = sim.drivers.values().stream().filter(d -> !d.draining).count();
      assertThat(serving).as("non-draining drivers").isLessThanOrEqualTo(3 + surge);
      assertThat(plan.updateRevision()).isEqualTo("b");
    });
    assertThat(sim.allAt("b")).isTrue();
    assertThat(sim.sessions()).as("no session lost").isEqualTo(15);
    assertThat(sim.moves).hasSize(15).allSatisfy((s, n) -> assertThat(n).as("moves of " + s).isEqualTo(1));
    assertThat(sim.currentRevision).isEqualTo("b");
    assertThat(sim.lastStableRevision).isEqualTo("b");
    assertThat(sim.rollout.getSessionsMoved()).isEqualTo(15);
    assertThat(sim.events).extracting(PoolPlan.PlanEvent::reason).contains("RolloutStarted", "RolloutComplete");
    assertThat(sim.last.complete().status()).isTrue();
  }

  @Test
  void rollingHandoffDrainsNoOldDriverBeforeANewOneServes() {
    FleetSimulation sim = new FleetSimulation(2, "a", 3);
    sim.specRevision = "b";
    PoolPlan first = sim.step(STEP, p -> {});
    assertThat(first.create()).isEqualTo(1);
    assertThat(first.createRevision()).isEqualTo("b");
    assertThat(first.drain()).isEmpty();
    assertThat(first.endpoints()).as("old drivers take new sessions until a new one serves")
        .extracting(DriverView::revision).containsOnly("a");
    assertThat(first.progressing().reason()).isEqualTo("RolloutInProgress");
    assertThat(first.complete().status()).isFalse();
    PoolPlan starting = sim.step(STEP, p -> {});
    assertThat(starting.drain()).as("the new driver does not serve yet").isEmpty();
    PoolPlan second = sim.step(STEP, p -> {});
    assertThat(second.drain()).hasSize(1);
    assertThat(second.endpoints()).as("new sessions go to the new revision once it serves")
        .extracting(DriverView::revision).containsOnly("b");
  }

  @Test
  void blueGreenStartsAFullNewSetAndDrainsTheOldOnlyWhenAllOfItServes() {
    FleetSimulation sim = new FleetSimulation(3, "a", 4);
    sim.strategy = UpgradeStrategy.BlueGreen;
    sim.specRevision = "b";
    PoolPlan first = sim.step(STEP, p -> {});
    assertThat(first.create()).isEqualTo(3);
    assertThat(first.drain()).isEmpty();
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 20, plan -> {
      if (!plan.drain().isEmpty()) {
        assertThat(sim.serving("b")).as("new drivers serving when the old are drained").isEqualTo(3);
      }
    });
    assertThat(sim.allAt("b")).isTrue();
    assertThat(sim.moves).hasSize(12).allSatisfy((s, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void recreateDeletesEveryOutdatedDriverAtOnceAndStartsTheNewSet() {
    FleetSimulation sim = new FleetSimulation(2, "a", 2);
    sim.strategy = UpgradeStrategy.Recreate;
    sim.specRevision = "b";
    PoolPlan first = sim.step(STEP, p -> {});
    assertThat(first.delete()).hasSize(2);
    assertThat(first.create()).isEqualTo(2);
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 10, p -> {});
    assertThat(sim.allAt("b")).isTrue();
    assertThat(sim.moves).as("Recreate moves nothing; sessions are re-opened").isEmpty();
  }

  @Test
  void aNewRevisionThatNeverServesRollsBackAfterTheDeadlineAndIsNotTriedAgainUntilTheSpecChanges() {
    FleetSimulation sim = new FleetSimulation(3, "a", 2);
    sim.maxUnavailable = 1;
    sim.deadline = Duration.ofSeconds(60);
    sim.broken.add("b");
    sim.specRevision = "b";
    sim.step(STEP, p -> {});
    Instant started = Instant.parse(sim.rollout.getStartedAt());
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.RollingBack, 20, p -> {});
    assertThat(sim.now).as("not before the deadline").isAfterOrEqualTo(started.plus(sim.deadline));
    assertThat(sim.rollout.getFailedRevision()).isEqualTo("b");
    assertThat(sim.last.updateRevision()).isEqualTo("a");
    assertThat(sim.last.progressing().reason()).isEqualTo("RolledBack");
    assertThat(sim.events).extracting(PoolPlan.PlanEvent::reason).contains("ProgressDeadlineExceeded", "RollingBack");
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.RolledBack, 20, plan ->
        assertThat(plan.createRevision()).as("nothing is created at the failed revision").isEqualTo("a"));
    assertThat(sim.allAt("a")).isTrue();
    assertThat(sim.sessions()).isEqualTo(6);
    // The spec still names b: the pool stays on a, says so, and creates nothing of b.
    for (int i = 0; i < 5; i++) {
      PoolPlan p = sim.step(Duration.ofMinutes(5), x -> {});
      assertThat(p.create()).isZero();
      assertThat(p.drain()).isEmpty();
      assertThat(p.complete().status()).isFalse();
      assertThat(p.complete().reason()).isEqualTo("RolledBack");
      assertThat(p.progressing().message()).contains("b");
    }
    // A changed spec is tried.
    sim.broken.clear();
    sim.specRevision = "c";
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 40, p -> {});
    assertThat(sim.allAt("c")).isTrue();
    assertThat(sim.rollout.getFailedRevision()).isNull();
  }

  @Test
  void withoutAutoRollbackAStuckRolloutStopsAndOldDriversKeepServing() {
    FleetSimulation sim = new FleetSimulation(3, "a", 2);
    sim.autoRollback = false;
    sim.deadline = Duration.ofSeconds(30);
    sim.broken.add("b");
    sim.specRevision = "b";
    sim.runUntil(s -> s.rollout != null && s.rollout.getPhase() == RolloutPhase.Failed, 20, p -> {});
    assertThat(sim.last.progressing().status()).isFalse();
    assertThat(sim.last.progressing().reason()).isEqualTo("ProgressDeadlineExceeded");
    int before = sim.drivers.size();
    for (int i = 0; i < 5; i++) {
      PoolPlan p = sim.step(Duration.ofMinutes(1), x -> {});
      assertThat(p.drain()).isEmpty();
      assertThat(p.delete()).isEmpty();
      assertThat(p.endpoints()).extracting(DriverView::revision).containsOnly("a");
    }
    assertThat(sim.drivers).hasSize(before);
    assertThat(sim.serving("a")).isEqualTo(3);
    // An old driver lost meanwhile is replaced at the old revision.
    sim.drivers.values().stream().filter(d -> d.revision.equals("a")).findFirst().orElseThrow().failed = true;
    PoolPlan p = sim.step(STEP, x -> {});
    assertThat(p.create()).isEqualTo(1);
    assertThat(p.createRevision()).isEqualTo("a");
  }

  @Test
  void aStoppedRolloutRevertedToWhatRunsSettlesAsComplete() {
    FleetSimulation sim = new FleetSimulation(2, "a", 2);
    sim.autoRollback = false;
    sim.deadline = Duration.ofSeconds(30);
    sim.broken.add("b");
    sim.specRevision = "b";
    sim.runUntil(s -> s.rollout != null && s.rollout.getPhase() == RolloutPhase.Failed, 20, p -> {});
    // The broken drivers exit and are removed; the user reverts the spec to what runs.
    sim.drivers.values().stream().filter(d -> d.revision.equals("b")).forEach(d -> d.failed = true);
    sim.step(STEP, p -> {});
    sim.specRevision = "a";
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 10, p -> {});
    assertThat(sim.last.complete().status()).isTrue();
    assertThat(sim.allAt("a")).isTrue();
  }

  @Test
  void aNodeMaintenanceRolloutStoppedForLackOfRoomResumesWhenRoomIsMade() {
    FleetSimulation sim = new FleetSimulation(2, "a", 3);
    sim.deadline = Duration.ofSeconds(30);
    sim.broken.add("a"); // the replacement cannot start: no room
    FleetSimulation.Driver onCordoned = sim.drivers.values().iterator().next();
    onCordoned.cordoned = true;
    sim.runUntil(s -> s.rollout != null && s.rollout.getPhase() == RolloutPhase.Failed, 20, p -> {});
    assertThat(sim.rollout.getFailedRevision()).as("nothing to roll back to: same revision").isNull();
    sim.broken.clear();
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 20, p -> {});
    assertThat(sim.drivers).doesNotContainKey(onCordoned.name);
    assertThat(sim.sessions()).isEqualTo(6);
  }

  @Test
  void sessionsOpenedAndClosedOnOldDriversDoNotPostponeTheDeadline() {
    FleetSimulation sim = new FleetSimulation(2, "a", 2);
    sim.deadline = Duration.ofSeconds(60);
    sim.broken.add("b");
    sim.specRevision = "b";
    FleetSimulation.Driver old = sim.drivers.values().iterator().next();
    for (int i = 0; i < 30 && (sim.rollout == null || sim.rollout.getPhase() != RolloutPhase.RollingBack); i++) {
      if (i % 2 == 0) {
        old.sessions.put("churn-" + i, 0);
      } else {
        old.sessions.remove("churn-" + (i - 1));
      }
      sim.step(STEP, p -> {});
    }
    assertThat(sim.rollout.getPhase()).isEqualTo(RolloutPhase.RollingBack);
    assertThat(sim.now).as("the churn did not postpone it").isBeforeOrEqualTo(
        FleetSimulation.T0.plus(sim.deadline).plusSeconds(20));
  }

  @Test
  void anOldDriverThatMissesAProbeIsNotDrainedWhileItHoldsSessions() {
    DriverView blip = new DriverView("a-blip", "10.0.0.7", "a", true, true, false, false, false, false, 0, false,
        false, T0);
    List<DriverView> drivers = List.of(driver("a-ok", "a", true, 3, 10), blip);
    PoolPlan plan = RolloutPlanner.plan(new PoolInput(2, 50, UpgradeStrategy.RollingHandoff, 1, 0,
        Duration.ofMinutes(10), true, false, "b", null, "a", "a", null, drivers, T0));
    assertThat(plan.drain()).isEmpty();
    assertThat(plan.create()).isEqualTo(1);
  }

  @Test
  void pausedStartsNoNewStepAndPausedTimeDoesNotCountTowardTheDeadline() {
    FleetSimulation sim = new FleetSimulation(3, "a", 2);
    sim.deadline = Duration.ofMinutes(2);
    sim.specRevision = "b";
    sim.step(STEP, p -> {});
    sim.step(STEP, p -> {});
    sim.paused = true;
    PoolPlan paused = sim.step(STEP, p -> {});
    assertThat(paused.progressing().status()).isFalse();
    assertThat(paused.progressing().reason()).isEqualTo("Paused");
    assertThat(paused.drain()).isEmpty();
    assertThat(paused.create()).isZero();
    Instant lastProgress = Instant.parse(sim.rollout.getLastProgressTime());
    for (int i = 0; i < 10; i++) {
      PoolPlan p = sim.step(Duration.ofMinutes(1), x -> {});
      assertThat(p.drain()).isEmpty();
      assertThat(p.progressing().reason()).isEqualTo("Paused");
    }
    sim.paused = false;
    PoolPlan resumed = sim.step(STEP, p -> {});
    assertThat(resumed.progressing().reason()).isEqualTo("RolloutInProgress");
    assertThat(Instant.parse(sim.rollout.getLastProgressTime())).as("paused time is not counted")
        .isAfter(lastProgress.plus(Duration.ofMinutes(9)));
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 40, p -> {});
    assertThat(sim.allAt("b")).isTrue();
    assertThat(sim.events).extracting(PoolPlan.PlanEvent::reason).contains("RolloutPaused", "RolloutResumed")
        .doesNotContain("ProgressDeadlineExceeded");
  }

  @Test
  void aSpecRevertedMidRolloutRetargetsAndEachSessionMovesAtMostOnceMore() {
    FleetSimulation sim = new FleetSimulation(3, "a", 4);
    sim.specRevision = "b";
    for (int i = 0; i < 4; i++) {
      sim.step(STEP, p -> {});
    }
    assertThat(sim.drivers.values()).anyMatch(d -> d.revision.equals("b"));
    sim.specRevision = "a";
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 40, plan ->
        assertThat(plan.updateRevision()).isEqualTo("a"));
    assertThat(sim.allAt("a")).isTrue();
    assertThat(sim.sessions()).isEqualTo(12);
    assertThat(sim.moves.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
    assertThat(sim.events).extracting(PoolPlan.PlanEvent::reason).contains("RolloutRetargeted");
  }

  @Test
  void aSpecEditedOnToAThirdRevisionLeavesNoDriverOfTheMiddleOne() {
    FleetSimulation sim = new FleetSimulation(3, "a", 2);
    sim.specRevision = "b";
    for (int i = 0; i < 4; i++) {
      sim.step(STEP, p -> {});
    }
    sim.specRevision = "c";
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 40, p -> {});
    assertThat(sim.allAt("c")).isTrue();
    assertThat(sim.moves.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2));
  }

  @Test
  void anOutdatedDriverThatDoesNotAnswerIsNeverDeletedNorCountedEmpty() {
    FleetSimulation sim = new FleetSimulation(2, "a", 3);
    sim.specRevision = "b";
    FleetSimulation.Driver silent = sim.drivers.values().iterator().next();
    silent.reachable = false;
    sim.runUntil(s -> s.drivers.values().stream().filter(d -> d.revision.equals("b") && d.up).count() == 2
        && s.drivers.values().stream().filter(d -> d.revision.equals("a") && d.reachable).findAny().isEmpty(), 30,
        plan -> assertThat(plan.delete()).doesNotContain(silent.name));
    assertThat(sim.drivers).containsKey(silent.name);
    assertThat(sim.rollout.getPhase()).as("not complete while a driver's sessions are unknown")
        .isEqualTo(RolloutPhase.Progressing);
    silent.reachable = true;
    sim.runUntil(s -> s.rollout.getPhase() == RolloutPhase.Complete, 20, p -> {});
    assertThat(sim.sessions()).isEqualTo(6);
  }

  @Test
  void aDriverOnACordonedNodeIsReplacedLikeAnOldRevision() {
    FleetSimulation sim = new FleetSimulation(2, "a", 3);
    FleetSimulation.Driver onCordoned = sim.drivers.values().iterator().next();
    onCordoned.cordoned = true;
    PoolPlan first = sim.step(STEP, p -> {});
    assertThat(first.create()).isEqualTo(1);
    assertThat(first.endpoints()).extracting(DriverView::name).doesNotContain(onCordoned.name);
    sim.runUntil(s -> !s.drivers.containsKey(onCordoned.name), 20, p -> {});
    assertThat(sim.sessions()).isEqualTo(6);
    assertThat(sim.moves).hasSize(3);
  }

  @Test
  void aSteadyPoolPlansNothingAndComputesTheSameStatusTwice() {
    FleetSimulation sim = new FleetSimulation(3, "a", 2);
    PoolPlan first = sim.step(STEP, p -> {});
    PoolPlan second = sim.step(Duration.ofHours(1), p -> {});
    for (PoolPlan p : List.of(first, second)) {
      assertThat(p.create()).isZero();
      assertThat(p.drain()).isEmpty();
      assertThat(p.delete()).isEmpty();
      assertThat(p.rollout()).isNull();
      assertThat(p.events()).isEmpty();
      assertThat(p.complete().status()).isTrue();
      assertThat(p.progressing().reason()).isEqualTo("NewRevisionAvailable");
    }
    assertThat(second).isEqualTo(first);
  }

  @Test
  void aRestartAnnotationRollsThePoolAndIsRecordedInTheRollout() {
    FleetSimulation sim = new FleetSimulation(2, "a", 1);
    sim.specRevision = "a-restarted";
    sim.restartedAt = "2026-11-22T10:00:00Z";
    sim.runUntil(s -> s.rollout != null && s.rollout.getPhase() == RolloutPhase.Complete, 30, p -> {});
    assertThat(sim.rollout.getRestartedAt()).isEqualTo("2026-11-22T10:00:00Z");
    assertThat(sim.moves).hasSize(2).allSatisfy((s, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void scaleDownDrainsTheCheapestDriversFirst() {
    List<DriverView> drivers = List.of(
        driver("busy", "r1", true, 9, 100),
        driver("idle-old", "r1", true, 0, 100),
        driver("idle-young", "r1", true, 0, 10),
        driver("not-ready", "r1", false, 0, 5),
        driver("light", "r1", true, 1, 50));
    PoolPlan plan = steady(2, "r1", drivers);
    assertThat(plan.create()).isZero();
    assertThat(plan.drain()).containsExactly("not-ready", "idle-young", "idle-old");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("busy", "light");
    assertThat(plan.rollout()).as("scaling is not a rollout").isNull();
  }

  @Test
  void drainedDriversAreDeletedOnlyWhenEmpty() {
    DriverView empty = new DriverView("empty", "127.0.0.2", "r1", true, true, false, true, true, false, 0, false, false, T0);
    DriverView full = new DriverView("full", "127.0.0.3", "r1", true, true, false, true, true, false, 4, false, false, T0);
    PoolPlan plan = steady(1, "r1", List.of(driver("keep", "r1", true, 0, 1), empty, full));
    assertThat(plan.delete()).containsExactly("empty");
    assertThat(plan.endpoints()).extracting(DriverView::name).containsExactly("keep");
  }

  @Test
  void aDrainingDriverWhoseStatusCannotBeReadIsKeptWhateverItsReadiness() {
    DriverView unready = new DriverView("stopped", "10.0.0.4", "r1", false, true, false, true, false, false, 0, false,
        false, T0);
    DriverView silent = new DriverView("silent", "10.0.0.5", "r1", true, true, false, true, false, false, 0, false,
        false, T0);
    PoolPlan plan = steady(1, "r1", List.of(driver("keep", "r1", true, 0, 1), unready, silent));
    assertThat(plan.delete()).isEmpty();
    assertThat(plan.create()).as("draining drivers do not count toward replicas").isZero();
  }

  @Test
  void aDrainingDriverThatNeverRanIsDeleted() {
    DriverView neverRan = new DriverView("pulling", "10.0.0.6", "r1", false, false, false, true, false, false, 0, false,
        false, T0);
    PoolPlan plan = steady(1, "r1", List.of(driver("keep", "r1", true, 0, 1), neverRan));
    assertThat(plan.delete()).containsExactly("pulling");
  }

  @Test
  void endpointsHoldOnlyServingDriversUnderCapacityPreferringTheTargetRevision() {
    List<DriverView> drivers = new ArrayList<>(List.of(
        driver("ok", "r1", true, 3, 10),
        driver("full", "r1", true, 50, 10),
        driver("starting", "r1", false, 0, 1)));
    drivers.add(new DriverView("silent", "127.0.0.9", "r1", true, true, false, false, false, false, 0, false, false, T0));
    assertThat(steady(5, "r1", drivers).endpoints()).extracting(DriverView::name).containsExactly("ok");
    drivers.add(driver("new-rev", "r2", true, 0, 1));
    PoolPlan rolling = RolloutPlanner.plan(new PoolInput(5, 50, UpgradeStrategy.RollingHandoff, 1, 0,
        Duration.ofMinutes(10), true, false, "r2", null, "r1", "r1", null, drivers, T0));
    assertThat(rolling.currentRevision()).as("old drivers still serve: the rollout is not done").isEqualTo("r1");
    assertThat(rolling.endpoints()).extracting(DriverView::name).containsExactly("new-rev");
  }

  @Test
  void aFailedDriverIsDeletedAndReplaced() {
    DriverView dead = new DriverView("dead", "10.0.0.9", "r1", false, true, false, false, false, false, 0, false, true, T0);
    List<DriverView> drivers = List.of(driver("alive", "r1", true, 1, 5), dead);
    PoolPlan plan = steady(2, "r1", drivers);
    assertThat(plan.delete()).containsExactly("dead");
    assertThat(plan.create()).isEqualTo(1);
    var conds = PoolConditions.compute(1, 2, 0, drivers, plan, 1, 1, List.of(), T0);
    assertThat(conds.get(2).getReason()).isEqualTo("DriverFailed");
  }

  @Test
  void conditionsTellTheTruth() {
    List<DriverView> drivers = List.of(driver("a", "r1", true, 0, 1), driver("b", "r1", false, 0, 1));
    PoolPlan plan = steady(2, "r1", drivers);
    var conds = PoolConditions.compute(3, 2, 0, drivers, plan, 2, 2, List.of(), T0);
    assertThat(conds).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
        .containsExactly("Available=False/MinimumDriversUnavailable", "Progressing=True/Scaling",
            "Degraded=False/AsExpected", "RolloutComplete=False/Scaling");
    assertThat(conds).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));

    List<DriverView> stable = List.of(driver("a", "r1", true, 0, 1), driver("b", "r1", true, 0, 1));
    PoolPlan stablePlan = steady(2, "r1", stable);
    var first = PoolConditions.compute(3, 2, 0, stable, stablePlan, 2, 2, conds, T0.plusSeconds(5));
    var again = PoolConditions.compute(3, 2, 0, stable, stablePlan, 2, 2, first, T0.plusSeconds(60));
    assertThat(again).as("a steady pool computes the same conditions").isEqualTo(first);
    assertThat(first.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:05Z");
    assertThat(first.get(3).getStatus()).isEqualTo("True");

    DriverView stuck = new DriverView("s", null, "r1", false, false, false, false, false, false, 0, true, false, T0);
    var degraded = PoolConditions.compute(1, 1, 0, List.of(stuck), steady(1, "r1", List.of(stuck)), 1, 1, List.of(), T0);
    assertThat(degraded.get(2).getReason()).isEqualTo("InsufficientCapacity");
    assertThat(degraded.get(2).getMessage()).contains("s");
  }

  @Test
  void aPoolWhoseGatewayCannotStartIsNotAvailable() {
    List<DriverView> stable = List.of(driver("a", "r1", true, 0, 1), driver("b", "r1", true, 0, 1));
    List<Condition> conds = PoolConditions.compute(1, 2, 0, stable, steady(2, "r1", stable), 2, 0, List.of(), T0);
    assertThat(conds.get(0).getStatus()).isEqualTo("False");
    assertThat(conds.get(0).getReason()).isEqualTo("GatewayUnavailable");
  }

  @Test
  void aSurgeThatCannotBeScheduledSaysInsufficientCapacity() {
    FleetSimulation sim = new FleetSimulation(2, "a", 1);
    sim.specRevision = "b";
    PoolPlan first = sim.step(STEP, p -> {});
    assertThat(first.create()).isEqualTo(1);
    List<DriverView> observed = new ArrayList<>(sim.input().drivers().stream()
        .filter(d -> !d.revision().equals("b")).toList());
    observed.add(new DriverView("b-pending", null, "b", false, false, false, false, false, false, 0, true, false, T0));
    PoolPlan plan = RolloutPlanner.plan(new PoolInput(2, 50, UpgradeStrategy.RollingHandoff, 1, 0,
        Duration.ofMinutes(10), true, false, "b", null, "a", "a", sim.rollout, observed, T0.plusSeconds(10)));
    List<Condition> conds = PoolConditions.compute(1, 2, 0, observed, plan, 1, 1, List.of(), T0);
    assertThat(conds.get(2).getReason()).isEqualTo("InsufficientCapacity");
    assertThat(conds.get(2).getMessage()).contains("b-pending");
    assertThat(plan.drain()).as("nothing is drained for a driver that cannot start").isEmpty();
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

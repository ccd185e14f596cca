package dev.baton.operator.session;

import static dev.baton.operator.session.MovePlanner.Action.ABORT;
import static dev.baton.operator.session.MovePlanner.Action.BIND;
import static dev.baton.operator.session.MovePlanner.Action.FORGET;
import static dev.baton.operator.session.MovePlanner.Action.FREEZE;
import static dev.baton.operator.session.MovePlanner.Action.FREEZE_STOPPING_OPERATIONS;
import static dev.baton.operator.session.MovePlanner.Action.LOST;
import static dev.baton.operator.session.MovePlanner.Action.NONE;
import static dev.baton.operator.session.MovePlanner.Action.RELEASE;
import static dev.baton.operator.session.MovePlanner.Action.RESUME;
import static dev.baton.operator.session.MovePlanner.Action.WAIT_FOR_QUIET;
import static dev.baton.operator.session.MovePlanner.Known.ALIVE;
import static dev.baton.operator.session.MovePlanner.Known.GONE;
import static dev.baton.operator.session.MovePlanner.Known.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.MoveStep;
import dev.baton.api.model.SessionMove;
import dev.baton.operator.session.MovePlanner.Facts;
import dev.baton.operator.session.MovePlanner.Known;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MovePlannerTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final Duration DRAIN = Duration.ofMinutes(5);

  private static SessionMove at(MoveStep step) {
    return new SessionMove("a", step == MoveStep.WaitingForQuiet ? null : "b", step, "2026-11-22T09:58:00Z",
        "DriverDraining");
  }

  /** Source alive and draining, session there with {@code running} operations, a target available. */
  private static Facts draining(int running) {
    return new Facts(ALIVE, true, true, running, true, GONE, false);
  }

  private static Facts moving(Known from, boolean onFrom, Known to, boolean onTo) {
    return new Facts(from, true, onFrom, 0, true, to, onTo);
  }

  @Test
  void aSessionOnAServingDriverStaysPut() {
    assertThat(MovePlanner.next(null, new Facts(ALIVE, false, true, 0, true, GONE, false), NOW, DRAIN)).isEqualTo(NONE);
  }

  @Test
  void aQuietSessionOnADrainingDriverIsFrozenAtOnce() {
    assertThat(MovePlanner.next(null, draining(0), NOW, DRAIN)).isEqualTo(FREEZE);
  }

  @Test
  void aBusySessionWaitsForAQuietMomentAndKeepsWorking() {
    assertThat(MovePlanner.next(null, draining(1), NOW, DRAIN)).isEqualTo(WAIT_FOR_QUIET);
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), draining(1), NOW, DRAIN)).isEqualTo(NONE);
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), draining(0), NOW, DRAIN)).isEqualTo(FREEZE);
  }

  @Test
  void pastDrainTimeoutRunningOperationsAreStoppedForTheMove() {
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), draining(2), NOW.plus(DRAIN), DRAIN))
        .isEqualTo(FREEZE_STOPPING_OPERATIONS);
  }

  @Test
  void withNoDriverTakingSessionsNothingIsFrozen() {
    Facts noTarget = new Facts(ALIVE, true, true, 0, false, GONE, false);
    assertThat(MovePlanner.next(null, noTarget, NOW, DRAIN)).isEqualTo(WAIT_FOR_QUIET);
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), noTarget, NOW.plus(DRAIN), DRAIN)).isEqualTo(NONE);
  }

  @Test
  void anUnknownSourceDecidesNothing() {
    Facts unknown = new Facts(UNKNOWN, true, false, 0, true, ALIVE, false);
    assertThat(MovePlanner.next(null, unknown, NOW, DRAIN)).isEqualTo(NONE);
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), unknown, NOW, DRAIN)).isEqualTo(NONE);
    assertThat(MovePlanner.next(at(MoveStep.Freezing), unknown, NOW, DRAIN)).isEqualTo(NONE);
    assertThat(MovePlanner.next(at(MoveStep.Releasing), unknown, NOW, DRAIN)).isEqualTo(NONE);
  }

  @Test
  void anUnknownTargetDecidesNothingEvenWhenTheSourceIsGone() {
    assertThat(MovePlanner.next(at(MoveStep.Importing), moving(GONE, false, UNKNOWN, false), NOW, DRAIN)).isEqualTo(NONE);
    assertThat(MovePlanner.next(at(MoveStep.Freezing), moving(ALIVE, true, UNKNOWN, false), NOW, DRAIN)).isEqualTo(NONE);
  }

  @Test
  void aRestartedOperatorResumesAFrozenMove() {
    assertThat(MovePlanner.next(at(MoveStep.Freezing), moving(ALIVE, true, ALIVE, false), NOW, DRAIN)).isEqualTo(RESUME);
    assertThat(MovePlanner.next(at(MoveStep.Importing), moving(ALIVE, true, ALIVE, false), NOW, DRAIN)).isEqualTo(RESUME);
  }

  @Test
  void anImportThatHappenedBeforeARestartIsBoundNotRepeated() {
    assertThat(MovePlanner.next(at(MoveStep.Importing), moving(ALIVE, true, ALIVE, true), NOW, DRAIN)).isEqualTo(BIND);
  }

  @Test
  void aMoveWhoseTargetIsGoneAbortsAndTheOldCopyWorksAgain() {
    assertThat(MovePlanner.next(at(MoveStep.Freezing), moving(ALIVE, true, GONE, false), NOW, DRAIN)).isEqualTo(ABORT);
    assertThat(MovePlanner.next(at(MoveStep.Importing), moving(ALIVE, true, GONE, false), NOW, DRAIN)).isEqualTo(ABORT);
  }

  @Test
  void aSourceLostMidMoveBindsWhereTheSessionWasImportedOrReopensIt() {
    assertThat(MovePlanner.next(at(MoveStep.Freezing), moving(GONE, false, ALIVE, true), NOW, DRAIN)).isEqualTo(BIND);
    assertThat(MovePlanner.next(at(MoveStep.Freezing), moving(GONE, false, ALIVE, false), NOW, DRAIN)).isEqualTo(LOST);
    assertThat(MovePlanner.next(at(MoveStep.Importing), moving(GONE, false, GONE, false), NOW, DRAIN)).isEqualTo(LOST);
  }

  @Test
  void aBoundMoveReleasesTheOldCopyEvenWhenItsDriverIsGone() {
    assertThat(MovePlanner.next(at(MoveStep.Releasing), moving(ALIVE, true, ALIVE, true), NOW, DRAIN)).isEqualTo(RELEASE);
    assertThat(MovePlanner.next(at(MoveStep.Releasing), moving(GONE, false, ALIVE, true), NOW, DRAIN)).isEqualTo(RELEASE);
  }

  @Test
  void aWaitIsForgottenWhenTheDrainEndsOrTheDriverGoes() {
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), new Facts(ALIVE, false, true, 1, true, GONE, false), NOW,
        DRAIN)).isEqualTo(FORGET);
    assertThat(MovePlanner.next(at(MoveStep.WaitingForQuiet), new Facts(GONE, true, false, 0, true, GONE, false), NOW,
        DRAIN)).isEqualTo(FORGET);
  }
}

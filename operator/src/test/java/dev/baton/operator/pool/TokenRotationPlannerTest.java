package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.TokenRotationStatus;
import dev.baton.api.model.TokenRotationStep;
import dev.baton.proto.v1.StatusResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRotationPlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  private static final Duration QUIET = Duration.ofSeconds(30);

  private static DriverView driver(String name, boolean started, boolean ready) {
    return new DriverView(name, ready ? "10.0.0." + (name.hashCode() & 0x7f) : null, "r1", ready, started, false, false,
        ready, ready, 0, false, false, NOW);
  }

  private static StatusResponse status(boolean retiring, long idleMs) {
    return StatusResponse.newBuilder().setRetiringTokensAccepted(retiring).setRetiringTokensIdleMs(idleMs).build();
  }

  @Test
  void aNewAnnotationValueBeginsARotationOnlyWhenNoneRuns() {
    assertThat(TokenRotationPlanner.begin(null, null, NOW)).isEmpty();
    assertThat(TokenRotationPlanner.begin("t1", null, NOW)).hasValueSatisfying(s -> {
      assertThat(s.getStep()).isEqualTo(TokenRotationStep.Staging);
      assertThat(s.getRequested()).isEqualTo("t1");
    });
    var done = new TokenRotationStatus("t1", TokenRotationStep.Complete, NOW.toString(), null);
    assertThat(TokenRotationPlanner.begin("t1", done, NOW)).as("already done").isEmpty();
    assertThat(TokenRotationPlanner.begin("t2", done, NOW)).isPresent();
    var running = new TokenRotationStatus("t1", TokenRotationStep.Retiring, NOW.toString(), null);
    assertThat(TokenRotationPlanner.begin("t2", running, NOW)).as("taken up after the running one").isEmpty();
  }

  @Test
  void theStepsFollowInOrderAndEndComplete() {
    var s = new TokenRotationStatus("t", TokenRotationStep.Staging, NOW.toString(), "old message");
    List<TokenRotationStep> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      s = TokenRotationPlanner.after(s, NOW);
      seen.add(s.getStep());
      assertThat(s.getMessage()).isNull();
    }
    assertThat(seen).containsExactly(TokenRotationStep.Distributing, TokenRotationStep.Switching,
        TokenRotationStep.Retiring, TokenRotationStep.Complete, TokenRotationStep.Complete);
  }

  @Test
  void distributionTellsReadyDriversAndWaitsForStartedOnesThatAreNotReady() {
    var d = TokenRotationPlanner.distribution(List.of(driver("a", true, true), driver("b", true, false),
        driver("c", false, false)));
    assertThat(d.tell()).extracting(DriverView::name).containsExactly("a");
    assertThat(d.blocker()).isEqualTo("waiting for b to become ready to accept the new tokens");
    assertThat(TokenRotationPlanner.distribution(List.of(driver("a", true, true), driver("c", false, false))).blocker())
        .as("a driver not started yet reads both tokens when it starts").isNull();
  }

  @Test
  void retiringWaitsForTheQuietTimeAndForEveryDriverToBeQuietAndReadable() {
    var a = driver("a", true, true);
    var b = driver("b", true, true);
    Instant switched = NOW.minusSeconds(10);
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a), Map.of("a", status(true, 60_000)), switched, NOW, QUIET))
        .as("too soon after the switch").contains("waiting until 2026-12-06T12:00:20Z");
    switched = NOW.minusSeconds(40);
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), Map.of("a", status(true, 60_000),
        "b", status(true, 2_000)), switched, NOW, QUIET)).as("b saw an old token 2s ago").contains("driver b");
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), Map.of("a", status(true, 60_000)), switched, NOW, QUIET))
        .as("unknown is not quiet").contains("cannot read driver b");
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b, driver("c", true, false)), Map.of("a",
        status(true, 31_000), "b", status(false, 0)), switched, NOW, QUIET)).isNull();
  }

  @Test
  void outsideARotationDriversStillAcceptingAnOldTokenAreFound() {
    var a = driver("a", true, true);
    var b = driver("b", true, true);
    assertThat(TokenRotationPlanner.straggling(List.of(a, b), Map.of("a", status(false, 0), "b", status(true, 5))))
        .extracting(DriverView::name).containsExactly("b");
  }
}

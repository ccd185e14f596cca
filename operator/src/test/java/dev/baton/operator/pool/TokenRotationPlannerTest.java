package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.TokenRotationStatus;
import dev.baton.api.model.TokenRotationStep;
import dev.baton.proto.v1.StatusResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenRotationPlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
  private static final Duration QUIET = Duration.ofSeconds(30);
  private static final String NEW = "fedcba987654";
  private static final Map<String, Optional<String>> NO_GATEWAYS = Map.of();

  private static DriverView driver(String name, boolean started, boolean ready) {
    return new DriverView(name, ready ? "10.0.0." + (name.hashCode() & 0x7f) : null, "r1", ready, started, false, false,
        ready, ready, 0, false, false, NOW.minusSeconds(60));
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
  void distributionTellsReadyDriversAndWaitsForThoseThatMayHaveReadOnlyTheOldTokens() {
    var d = TokenRotationPlanner.distribution(List.of(driver("a", true, true), driver("b", true, false),
        driver("c", false, false)), NOW);
    assertThat(d.tell()).extracting(DriverView::name).containsExactly("a");
    assertThat(d.blocker()).as("b runs; c's pod was made before the new tokens were written (its container may "
        + "have read the old Secret)").isEqualTo("waiting for b, c to become ready to accept the new tokens");
    var later = new DriverView("d", null, "r1", false, false, false, false, false, false, 0, false, false,
        NOW.plusSeconds(1));
    assertThat(TokenRotationPlanner.distribution(List.of(driver("a", true, true), later), NOW).blocker())
        .as("a pod made after the new tokens were written reads both when it starts").isNull();
  }

  @Test
  void retiringWaitsForTheQuietTimeForEveryDriverToBeQuietAndEveryGatewayToSendTheNewToken() {
    var a = driver("a", true, true);
    var b = driver("b", true, true);
    Instant switched = NOW.minusSeconds(10);
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a), Map.of("a", status(true, 60_000)), NO_GATEWAYS, NEW, switched, NOW, QUIET))
        .as("too soon after the switch").contains("waiting until 2026-12-06T12:00:20Z");
    switched = NOW.minusSeconds(40);
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), Map.of("a", status(true, 60_000),
        "b", status(true, 2_000)), NO_GATEWAYS, NEW, switched, NOW, QUIET)).as("b saw an old token 2s ago")
        .contains("driver b");
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), Map.of("a", status(true, 60_000)), NO_GATEWAYS, NEW,
        switched, NOW, QUIET)).as("unknown is not quiet").contains("cannot read driver b");
    Map<String, StatusResponse> quiet = Map.of("a", status(true, 31_000), "b", status(false, 0));
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b, driver("c", true, false)), quiet,
        Map.of("gw-1", Optional.of(NEW)), NEW, switched, NOW, QUIET)).isNull();
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), quiet,
        Map.of("gw-1", Optional.of(NEW), "gw-2", Optional.of("0123456789ab")), NEW, switched, NOW, QUIET))
        .as("a gateway that has not taken the new token, even if idle").isEqualTo(
            "gateway gw-2 still sends the old session token");
    assertThat(TokenRotationPlanner.retireBlocker(List.of(a, b), quiet, Map.of("gw-1", Optional.empty()), NEW,
        switched, NOW, QUIET)).as("a gateway that cannot be read is unknown").contains("cannot read which session token");
  }

  @Test
  void outsideARotationDriversStillAcceptingAnOldTokenAreFound() {
    var a = driver("a", true, true);
    var b = driver("b", true, true);
    assertThat(TokenRotationPlanner.straggling(List.of(a, b), Map.of("a", status(false, 0), "b", status(true, 5))))
        .extracting(DriverView::name).containsExactly("b");
  }
}

package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RouteDecisionTest {
  private static Route route(String phase, String endpoint) {
    return new Route("cs-1", "ns", "s", "alice", phase, endpoint);
  }

  @Test
  void boundSessionsOfTheCallerAreForwarded() {
    assertThat(RouteDecision.decide("cs-1", route("Bound", "10.0.0.2:15002"), "alice"))
        .isEqualTo(new RouteDecision.Forward("10.0.0.2:15002"));
  }

  @Test
  void movingOrUnplacedSessionsAreHeld() {
    assertThat(RouteDecision.decide("cs-1", route("Migrating", "10.0.0.2:15002"), "alice"))
        .isInstanceOf(RouteDecision.Hold.class);
    assertThat(RouteDecision.decide("cs-1", route("Pending", null), "alice")).isInstanceOf(RouteDecision.Hold.class);
    assertThat(RouteDecision.decide("cs-1", route("Bound", null), "alice")).isInstanceOf(RouteDecision.Hold.class);
  }

  @Test
  void refusalsCarryTheRightCode() {
    assertThat(code(RouteDecision.decide("cs-1", route("Bound", "e"), "mallory"))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(RouteDecision.decide("cs-9", null, "alice"))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(RouteDecision.decide(null, null, "alice"))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(RouteDecision.decide("cs-1", route("Closed", "e"), "alice"))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(code(RouteDecision.decide("cs-1", route("Failed", null), "alice"))).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  private static Status.Code code(RouteDecision d) {
    return ((RouteDecision.Refuse) d).status().getCode();
  }
}

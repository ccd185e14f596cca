package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionQuotaTest {
  private static Route route(String principal, String phase) {
    return new Route("cs-" + principal + phase + Math.random(), "ns", "n", principal, phase, "10.0.0.1:15002");
  }

  @Test
  void aPrincipalAtItsLimitIsRefusedWhileOthersMayOpen() {
    SessionQuota quota = new SessionQuota(2, 0);
    List<Route> routes = List.of(route("alice", "Bound"), route("alice", "Pending"), route("bob", "Bound"));
    Status refusal = quota.refusal(routes, "alice");
    assertThat(refusal.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refusal.getDescription()).contains("alice holds its maximum of 2");
    assertThat(quota.refusal(routes, "bob")).isNull();
  }

  @Test
  void closedAndFailedSessionsDoNotCount() {
    SessionQuota quota = new SessionQuota(1, 2);
    assertThat(quota.refusal(List.of(route("alice", "Closed"), route("alice", "Failed"), route("bob", "Bound")),
        "alice")).isNull();
  }

  @Test
  void aFullPoolRefusesEveryone() {
    SessionQuota quota = new SessionQuota(0, 2);
    Status refusal = quota.refusal(List.of(route("alice", "Bound"), route("bob", "Migrating")), "carol");
    assertThat(refusal.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(SessionQuota.NONE.refusal(List.of(route("alice", "Bound")), "alice")).isNull();
  }

  @Test
  void sessionsBeingCreatedCountSoConcurrentFirstCallsCannotPassTheLimitTogether() {
    SessionQuota quota = new SessionQuota(2, 3);
    List<Route> routes = List.of(route("alice", "Bound"));
    assertThat(quota.refusal(routes, "alice", 0, 0)).isNull();
    assertThat(quota.refusal(routes, "alice", 1, 1).getDescription()).contains("alice holds its maximum of 2");
    assertThat(quota.refusal(routes, "bob", 0, 2).getDescription()).contains("the pool holds its maximum of 3");
  }
}

package dev.baton.proto.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DriverTokensTest {
  private final AtomicLong now = new AtomicLong(1_000);

  @Test
  void retiringIdleCountsFromTheSetOrTheLastUseOfARetiringToken() {
    DriverTokens tokens = new DriverTokens(List.of("current-control-0000"), List.of("current-session-0000"), now::get);
    assertThat(tokens.retiringAccepted()).isFalse();
    assertThat(tokens.retiringIdleMillis()).isZero();
    tokens.set(List.of("new-control-00000000", "current-control-0000"), List.of("new-session-0000000"));
    now.addAndGet(500);
    assertThat(tokens.retiringIdleMillis()).isEqualTo(500);
    assertThat(tokens.acceptsControl("new-control-00000000")).isTrue();
    now.addAndGet(100);
    assertThat(tokens.retiringIdleMillis()).as("the current token does not count").isEqualTo(600);
    assertThat(tokens.acceptsControl("current-control-0000")).isTrue();
    now.addAndGet(40);
    assertThat(tokens.retiringIdleMillis()).isEqualTo(40);
    assertThat(tokens.acceptsSession("current-session-0000")).as("no longer a session token").isFalse();
    assertThat(tokens.acceptsControl(null)).isFalse();
  }

  @Test
  void aListMustHoldOneOrTwoTokensOfSensibleLength() {
    assertThat(DriverTokens.problem("control_tokens", List.of())).contains("1 or 2");
    assertThat(DriverTokens.problem("control_tokens", List.of("a".repeat(16), "b".repeat(16), "c".repeat(16))))
        .contains("1 or 2");
    assertThat(DriverTokens.problem("session_tokens", List.of("short"))).contains("16 to 512");
    assertThat(DriverTokens.problem("session_tokens", List.of("x".repeat(513)))).contains("16 to 512");
    assertThat(DriverTokens.problem("session_tokens", List.of("x".repeat(16), "y".repeat(512)))).isNull();
  }
}

package dev.baton.operator.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SteadyResyncTest {
  @Test
  void aSteadySessionIsLookedAtAgainWhenItWouldGoIdle() {
    assertThat(ClientSessionReconciler.steadyResync(Duration.ofSeconds(42))).isEqualTo(Duration.ofSeconds(42));
  }

  @Test
  void neverSoonerThanTheResync() {
    assertThat(ClientSessionReconciler.steadyResync(Duration.ofSeconds(1))).isEqualTo(ClientSessionReconciler.RESYNC);
    assertThat(ClientSessionReconciler.steadyResync(Duration.ofSeconds(-30))).isEqualTo(ClientSessionReconciler.RESYNC);
  }

  @Test
  void neverLaterThanAMinute() {
    assertThat(ClientSessionReconciler.steadyResync(Duration.ofMinutes(30)))
        .isEqualTo(ClientSessionReconciler.STEADY_RESYNC).isEqualTo(Duration.ofSeconds(60));
  }
}

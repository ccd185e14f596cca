package dev.baton.e2e.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Probe scheduling: liveness keeps its own initial delay while readiness is polled fast. */
class ContainerRuntimeTest {
  private Process process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  private ContainerRuntime running() throws Exception {
    Container spec = new ContainerBuilder().withName("c").withImage("busybox")
        .withNewReadinessProbe().withNewTcpSocket().withNewPort(1).endTcpSocket().withPeriodSeconds(5).endReadinessProbe()
        .withNewLivenessProbe().withNewTcpSocket().withNewPort(1).endTcpSocket().withInitialDelaySeconds(10)
        .withPeriodSeconds(5).withFailureThreshold(3).endLivenessProbe()
        .build();
    ContainerRuntime c = new ContainerRuntime(spec, null, null, Map.of());
    process = new ProcessBuilder("sleep", "30").start();
    c.process = process;
    return c;
  }

  @Test
  void livenessWaitsForItsInitialDelayWhileReadinessIsPolled() throws Exception {
    ContainerRuntime c = running();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    c.resetProbes(t0);
    for (int i = 0; i < 20; i++) {
      Instant now = t0.plusMillis(250L * i);
      var due = c.claimProbe(now);
      assertThat(due).isNotNull();
      assertThat(due[2]).as("no liveness probe before 10 s (at %s)", now).isNull();
      assertThat(c.record(null, false, null, now)).as("readiness failures never kill").isFalse();
    }
    var later = c.claimProbe(t0.plusSeconds(11));
    assertThat(later[2]).isNotNull();
    assertThat(c.record(null, false, false, t0.plusSeconds(11))).isFalse();
    assertThat(c.claimProbe(t0.plusSeconds(12))[2]).as("next liveness after its period").isNull();
    c.record(null, false, null, t0.plusSeconds(12));
    assertThat(c.record(null, null, false, t0.plusSeconds(16))).isFalse();
    assertThat(c.record(null, null, false, t0.plusSeconds(21))).as("third liveness failure kills").isTrue();
  }

  @Test
  void aSlowStarterGetsFailureThresholdTimesPeriodBeforeItsStartupProbeKillsIt() throws Exception {
    Container spec = new ContainerBuilder().withName("c").withImage("busybox")
        .withNewStartupProbe().withNewTcpSocket().withNewPort(1).endTcpSocket().withPeriodSeconds(5)
        .withFailureThreshold(3).endStartupProbe().build();
    ContainerRuntime c = new ContainerRuntime(spec, null, null, Map.of());
    process = new ProcessBuilder("sleep", "30").start();
    c.process = process;
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    c.resetProbes(t0);
    // Probed every 250 ms while starting, but only one failure per 5 s period counts.
    for (int tick = 0; tick < 40; tick++) {
      assertThat(c.record(false, null, null, t0.plusMillis(250L * tick))).as("tick %s", tick).isFalse();
    }
    assertThat(c.record(false, null, null, t0.plusSeconds(10))).as("third counted failure, at 10 s").isTrue();
  }
}

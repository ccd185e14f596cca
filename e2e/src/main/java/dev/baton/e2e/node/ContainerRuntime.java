package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One container of a pod on the local node: its process, restarts and probe results. Mutated only
 * by the node's sync thread, except for probe results, which probe tasks report through
 * synchronized methods.
 */
final class ContainerRuntime {
  /** A finished run of the container. */
  record Exit(int exitCode, String reason, Instant startedAt, Instant finishedAt) {}

  final Container spec;
  final ImageCatalog.Launch launch;
  final String imageError;
  final Map<String, String> env;
  Process process;
  Instant startedAt;
  int restartCount;
  Exit lastExit;
  boolean finished; // exited and will not be restarted
  Instant restartNotBefore = Instant.EPOCH;
  boolean killedByNode;

  private boolean started;
  private boolean ready;
  private boolean probeInFlight;
  private int readinessSuccesses;
  private int readinessFailures;
  private int livenessFailures;
  private Instant lastStartupFailure;
  private int startupFailures;
  // Startup/readiness and liveness keep separate schedules: liveness honours its own initial
  // delay and period, so a slowly starting process is not killed while readiness is polled.
  private Instant nextReadinessAt = Instant.EPOCH;
  private Instant nextLivenessAt = Instant.EPOCH;

  ContainerRuntime(Container spec, ImageCatalog.Launch launch, String imageError, Map<String, String> env) {
    this.spec = spec;
    this.launch = launch;
    this.imageError = imageError;
    this.env = env;
  }

  boolean running() {
    return process != null && process.isAlive();
  }

  synchronized void resetProbes(Instant now) {
    started = spec.getStartupProbe() == null;
    ready = false;
    readinessSuccesses = 0;
    readinessFailures = 0;
    livenessFailures = 0;
    startupFailures = 0;
    lastStartupFailure = null;
    probeInFlight = false;
    Probe first = spec.getStartupProbe() != null ? spec.getStartupProbe() : spec.getReadinessProbe();
    nextReadinessAt = now.plusSeconds(delay(first));
    nextLivenessAt = now.plusSeconds(delay(spec.getLivenessProbe()));
  }

  private static int delay(Probe p) {
    return p == null || p.getInitialDelaySeconds() == null ? 0 : p.getInitialDelaySeconds();
  }

  synchronized boolean started() {
    return started;
  }

  /** Ready: started, running, and (if it has one) its readiness probe passed. */
  synchronized boolean ready() {
    if (!started || !running()) {
      return false;
    }
    return spec.getReadinessProbe() == null || ready;
  }

  /** Which probes are due now: {startup, readiness, liveness}; null when none is. Marks a round in flight. */
  synchronized Probe[] claimProbe(Instant now) {
    if (probeInFlight || !running()) {
      return null;
    }
    Probe startup = !started && spec.getStartupProbe() != null && !now.isBefore(nextReadinessAt)
        ? spec.getStartupProbe() : null;
    Probe readiness = started && spec.getReadinessProbe() != null && !now.isBefore(nextReadinessAt)
        ? spec.getReadinessProbe() : null;
    Probe liveness = started && spec.getLivenessProbe() != null && !now.isBefore(nextLivenessAt)
        ? spec.getLivenessProbe() : null;
    if (startup == null && readiness == null && liveness == null) {
      return null;
    }
    probeInFlight = true;
    return new Probe[] {startup, readiness, liveness};
  }

  /** Records a round's results; returns true when liveness (or startup) has failed for good. */
  synchronized boolean record(Boolean startupOk, Boolean readinessOk, Boolean livenessOk, Instant now) {
    probeInFlight = false;
    boolean kill = false;
    if (startupOk != null) {
      Probe p = spec.getStartupProbe();
      if (startupOk) {
        started = true;
      } else if (countsAsStartupFailure(p, now) && ++startupFailures >= threshold(p.getFailureThreshold(), 3)) {
        kill = true;
      }
      nextReadinessAt = now.plus(fastUntilReady(p));
    }
    if (readinessOk != null) {
      Probe p = spec.getReadinessProbe();
      if (readinessOk) {
        readinessFailures = 0;
        if (++readinessSuccesses >= threshold(p.getSuccessThreshold(), 1)) {
          ready = true;
        }
      } else {
        readinessSuccesses = 0;
        if (++readinessFailures >= threshold(p.getFailureThreshold(), 3)) {
          ready = false;
        }
      }
      nextReadinessAt = now.plus(fastUntilReady(p));
    }
    if (livenessOk != null) {
      Probe p = spec.getLivenessProbe();
      if (livenessOk) {
        livenessFailures = 0;
      } else if (++livenessFailures >= threshold(p.getFailureThreshold(), 3)) {
        kill = true;
      }
      nextLivenessAt = now.plusSeconds(period(p));
    }
    return kill;
  }

  /** Until a container is ready, startup/readiness are probed every 250 ms so new pods turn Ready promptly. */
  /**
   * Startup is probed faster than its period (to be Ready sooner), but a failure counts once per
   * period, as the kubelet counts it: failureThreshold x periodSeconds is the time a slow starter
   * gets before it is killed.
   */
  private boolean countsAsStartupFailure(Probe p, Instant now) {
    if (lastStartupFailure != null && now.isBefore(lastStartupFailure.plusSeconds(period(p)))) {
      return false;
    }
    lastStartupFailure = now;
    return true;
  }

  private Duration fastUntilReady(Probe p) {
    return ready && started ? Duration.ofSeconds(period(p)) : Duration.ofMillis(Math.min(period(p) * 1000L, 250));
  }

  private static int period(Probe p) {
    return p == null || p.getPeriodSeconds() == null ? 10 : Math.max(1, p.getPeriodSeconds());
  }

  private static int threshold(Integer value, int dflt) {
    return value == null || value < 1 ? dflt : value;
  }
}

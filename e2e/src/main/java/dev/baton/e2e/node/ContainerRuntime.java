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
  private int startupFailures;
  private Instant nextProbeAt = Instant.EPOCH;

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
    probeInFlight = false;
    nextProbeAt = now.plusSeconds(initialDelay());
  }

  private int initialDelay() {
    Probe p = spec.getStartupProbe() != null ? spec.getStartupProbe()
        : spec.getReadinessProbe() != null ? spec.getReadinessProbe() : spec.getLivenessProbe();
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

  /** Whether a probe round is due now; marks it in flight. */
  synchronized boolean claimProbe(Instant now) {
    if (probeInFlight || now.isBefore(nextProbeAt) || !running()) {
      return false;
    }
    boolean any = spec.getStartupProbe() != null || spec.getReadinessProbe() != null || spec.getLivenessProbe() != null;
    if (!any) {
      return false;
    }
    probeInFlight = true;
    return true;
  }

  /** The probes this round runs: the startup probe until it passes, then readiness and liveness. */
  synchronized Probe[] probesDue() {
    if (!started) {
      return new Probe[] {spec.getStartupProbe()};
    }
    return new Probe[] {spec.getReadinessProbe(), spec.getLivenessProbe()};
  }

  /** Records a round's results; returns true when liveness (or startup) has failed for good. */
  synchronized boolean record(Boolean startupOk, Boolean readinessOk, Boolean livenessOk, Instant now) {
    probeInFlight = false;
    Probe period = null;
    boolean kill = false;
    if (startupOk != null) {
      period = spec.getStartupProbe();
      if (startupOk) {
        started = true;
      } else if (++startupFailures >= threshold(period.getFailureThreshold(), 3)) {
        kill = true;
      }
    }
    if (readinessOk != null) {
      period = spec.getReadinessProbe();
      if (readinessOk) {
        readinessFailures = 0;
        if (++readinessSuccesses >= threshold(period.getSuccessThreshold(), 1)) {
          ready = true;
        }
      } else {
        readinessSuccesses = 0;
        if (++readinessFailures >= threshold(period.getFailureThreshold(), 3)) {
          ready = false;
        }
      }
    }
    if (livenessOk != null) {
      period = period == null ? spec.getLivenessProbe() : period;
      if (livenessOk) {
        livenessFailures = 0;
      } else if (++livenessFailures >= threshold(spec.getLivenessProbe().getFailureThreshold(), 3)) {
        kill = true;
      }
    }
    int seconds = period == null || period.getPeriodSeconds() == null ? 10 : Math.max(1, period.getPeriodSeconds());
    // Until a container is ready, probe it often so a new pod turns Ready promptly.
    nextProbeAt = now.plus(ready && started ? Duration.ofSeconds(seconds) : Duration.ofMillis(Math.min(seconds * 1000L, 250)));
    return kill;
  }

  private static int threshold(Integer value, int dflt) {
    return value == null || value < 1 ? dflt : value;
  }
}

package dev.baton.operator.session;

import com.google.protobuf.util.Timestamps;
import dev.baton.operator.OperatorMetrics;
import dev.baton.operator.model.ClientSession;
import dev.baton.operator.model.ClientSessionStatus;
import dev.baton.operator.model.DriverPool;
import dev.baton.operator.model.SessionPhase;
import dev.baton.operator.pool.ControlTokens;
import dev.baton.operator.pool.DriverProber;
import dev.baton.operator.pool.Durations;
import dev.baton.operator.pool.EventRecorder;
import dev.baton.operator.pool.DriverPoolReconcilerTiming;
import dev.baton.operator.pool.PoolConditions;
import dev.baton.operator.pool.PoolLabels;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.StatusResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles a ClientSession: places it on the least loaded driver that takes sessions (the
 * pool's EndpointSlice), opens it there with its principal, config and declared views, keeps its
 * status true, re-opens it from its declared state when its driver is lost, closes it after its
 * idle timeout, and closes it on the driver when the object is deleted (finalizer).
 */
@ControllerConfiguration(name = "clientsession")
public class ClientSessionReconciler implements Reconciler<ClientSession>, Cleaner<ClientSession> {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSessionReconciler.class);
  static final Duration RESYNC = Duration.ofMillis(DriverPoolReconcilerTiming.RESYNC_MILLIS);
  /** lastActiveTime is written when it moved by at least this much: idle sessions cost no writes. */
  static final Duration ACTIVITY_GRANULARITY = Duration.ofMinutes(1);

  private final DriverProber prober;
  private final DriverSessions sessions;
  private final ControlTokens tokens;

  private final OperatorMetrics metrics;

  public ClientSessionReconciler(DriverProber prober, ControlTokens tokens, OperatorMetrics metrics) {
    this.prober = prober;
    this.tokens = tokens;
    this.metrics = metrics;
    this.sessions = new DriverSessions(prober);
  }

  /** The id a declared session has on the drivers: derived from its object's uid, stable forever. */
  static String sessionId(ClientSession cs) {
    return "cs-" + cs.getMetadata().getUid().replace("-", "");
  }

  @Override
  public UpdateControl<ClientSession> reconcile(ClientSession cs, Context<ClientSession> context) {
    String ns = cs.getMetadata().getNamespace();
    MDC.put("session", ns + "/" + cs.getMetadata().getName());
    try {
      KubernetesClient client = context.getClient();
      EventRecorder events = new EventRecorder(client);
      ClientSessionStatus before = cs.getStatus() == null ? new ClientSessionStatus() : cs.getStatus();
      ClientSessionStatus status = copy(before);
      status.setObservedGeneration(cs.getMetadata().getGeneration());
      status.setSessionId(sessionId(cs));
      if (status.getMigrations() == null) {
        status.setMigrations(0);
      }
      if (status.getPhase() == SessionPhase.Closed) {
        if (openedAdHoc(cs)) {
          // Nobody declared it, so nobody would ever delete it: the session is over, so is its object.
          client.resource(cs).delete();
          events.normal(cs, "Deleted", "session opened through the gateway is closed; its ClientSession is deleted");
          return UpdateControl.noUpdate();
        }
        return finish(cs, before, status);
      }
      DriverPool pool = client.resources(DriverPool.class).inNamespace(ns).withName(cs.getSpec().getPool()).get();
      if (pool == null) {
        status.setPhase(SessionPhase.Failed);
        setReady(status, false, "PoolNotFound", "no DriverPool named " + cs.getSpec().getPool() + " in " + ns);
        if (before.getPhase() != SessionPhase.Failed) {
          events.warning(cs, "PoolNotFound", "no DriverPool named " + cs.getSpec().getPool() + " in namespace " + ns);
        }
        return finish(cs, before, status);
      }

      Optional<Pod> driver = status.getDriverPod() == null ? Optional.empty()
          : Optional.ofNullable(client.pods().inNamespace(ns).withName(status.getDriverPod()).get());
      Whereabouts where = driver.map(p -> lookup(p, token(cs), status.getSessionId())).orElse(Whereabouts.GONE);
      if (!where.known()) {
        // Its driver runs but cannot be read: the session may well be there. Re-opening it
        // elsewhere would make two copies, so it stays put until the driver answers or fails.
        setReady(status, false, "DriverUnreachable", "driver " + status.getDriverPod()
            + " does not answer; the session stays on it until it answers or fails");
        return finish(cs, before, status);
      }
      Optional<SessionInfo> onDriver = where.info();
      if (onDriver.isPresent()) {
        status.setPhase(SessionPhase.Bound);
        setReady(status, true, "Open", "open on " + status.getDriverPod());
        Instant active = Instant.ofEpochMilli(Timestamps.toMillis(onDriver.get().getLastActiveAt()));
        Instant known = status.getLastActiveTime() == null ? Instant.EPOCH : Instant.parse(status.getLastActiveTime());
        if (active.isAfter(known.plus(ACTIVITY_GRANULARITY)) || status.getLastActiveTime() == null) {
          status.setLastActiveTime(active.truncatedTo(ChronoUnit.SECONDS).toString());
          known = active;
        }
        Duration idle = Durations.parse(cs.getSpec().getIdleTimeout() != null ? cs.getSpec().getIdleTimeout()
            : pool.getSpec().getSessions().getIdleTimeout());
        if (Duration.between(active, Instant.now()).compareTo(idle) > 0) {
          sessions.close(driver.get().getStatus().getPodIP(), token(cs), status.getSessionId(), cs.getSpec().getPrincipal());
          status.setPhase(SessionPhase.Closed);
          setReady(status, false, "IdleTimeout", "closed after " + idle + " without a call");
          events.normal(cs, "IdleTimeout", "session closed after " + idle + " without a call");
        }
        return finish(cs, before, status);
      }

      // Not open anywhere we know: place it (first time) or re-place it (its driver was lost).
      boolean replacing = status.getDriverPod() != null;
      Optional<Pod> target = pickDriver(client, ns, cs.getSpec().getPool());
      if (target.isEmpty()) {
        status.setPhase(replacing ? SessionPhase.Migrating : SessionPhase.Pending);
        setReady(status, false, "NoDriverAvailable", "no driver of pool " + cs.getSpec().getPool() + " takes sessions yet");
        return finish(cs, before, status);
      }
      Pod pod = target.get();
      String ip = pod.getStatus().getPodIP();
      try {
        sessions.open(ip, token(cs), status.getSessionId(), cs.getSpec().getPrincipal(), cs.getSpec().getConfig(),
            cs.getSpec().getViews());
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          // The driver did not answer, it did not refuse: try again (maybe elsewhere) soon.
          status.setPhase(replacing ? SessionPhase.Migrating : SessionPhase.Pending);
          setReady(status, false, "DriverUnreachable", "driver " + pod.getMetadata().getName() + ": " + code + ": "
              + e.getStatus().getDescription());
          return finish(cs, before, status);
        }
        status.setPhase(SessionPhase.Failed);
        setReady(status, false, "OpenFailed", e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        if (before.getPhase() != SessionPhase.Failed) {
          events.warning(cs, "OpenFailed", "driver " + pod.getMetadata().getName() + " refused the session: "
              + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
        return finish(cs, before, status);
      }
      if (replacing) {
        status.setMigrations(status.getMigrations() + 1);
        events.warning(cs, "SessionReplaced", "driver " + status.getDriverPod() + " no longer holds the session; "
            + "re-opened on " + pod.getMetadata().getName() + " from its declared state");
      } else {
        events.normal(cs, "SessionOpened", "opened on driver " + pod.getMetadata().getName());
      }
      status.setPhase(SessionPhase.Bound);
      status.setDriverPod(pod.getMetadata().getName());
      status.setEndpoint(ip + ":" + PoolLabels.DRIVER_PORT);
      status.setRevision(pod.getMetadata().getLabels().get(PoolLabels.REVISION));
      status.setLastActiveTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
      setReady(status, true, "Open", "open on " + pod.getMetadata().getName());
      return finish(cs, before, status);
    } finally {
      MDC.remove("session");
    }
  }

  private String token(ClientSession cs) {
    return tokens.token(cs.getMetadata().getNamespace(), cs.getSpec().getPool());
  }

  /** Where a session is, as far as its driver says. */
  private record Whereabouts(Optional<SessionInfo> info, boolean known) {
    /** The driver is gone (deleted, terminating, failed) or answered that it holds no such session. */
    static final Whereabouts GONE = new Whereabouts(Optional.empty(), true);
    /** The driver's pod runs but the driver did not answer: the session may be there. */
    static final Whereabouts UNKNOWN = new Whereabouts(Optional.empty(), false);
  }

  private Whereabouts lookup(Pod pod, String token, String sessionId) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || pod.getStatus().getPodIP() == null
        || "Failed".equals(pod.getStatus().getPhase()) || "Succeeded".equals(pod.getStatus().getPhase())) {
      return Whereabouts.GONE;
    }
    try {
      return new Whereabouts(sessions.find(pod.getStatus().getPodIP(), token, sessionId), true);
    } catch (StatusRuntimeException e) {
      return Whereabouts.UNKNOWN;
    }
  }

  /** The least loaded driver listed in the pool's EndpointSlice (the drivers taking sessions). */
  private Optional<Pod> pickDriver(KubernetesClient client, String ns, String pool) {
    EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace(ns)
        .withName(PoolLabels.driversService(pool)).get();
    if (slice == null || slice.getEndpoints() == null) {
      return Optional.empty();
    }
    List<Pod> candidates = new ArrayList<>();
    for (Endpoint e : slice.getEndpoints()) {
      if (e.getTargetRef() == null) {
        continue;
      }
      Pod p = client.pods().inNamespace(ns).withName(e.getTargetRef().getName()).get();
      if (p != null && p.getStatus() != null && p.getStatus().getPodIP() != null) {
        candidates.add(p);
      }
    }
    String token = tokens.token(ns, pool);
    return candidates.stream().min(Comparator.comparingInt((Pod p) -> prober.status(p.getStatus().getPodIP(), token)
        .filter(s -> s.getState() == StatusResponse.State.ACCEPTING).map(StatusResponse::getSessions)
        .orElse(Integer.MAX_VALUE)).thenComparing(p -> p.getMetadata().getName()));
  }

  private static boolean openedAdHoc(ClientSession cs) {
    return cs.getMetadata().getLabels() != null
        && "gateway".equals(cs.getMetadata().getLabels().get(dev.baton.operator.pool.PoolLabels.CREATED_BY));
  }

  private UpdateControl<ClientSession> finish(ClientSession cs, ClientSessionStatus before,
      ClientSessionStatus after) {
    metrics.session(cs.getMetadata().getNamespace(), cs.getMetadata().getName(), cs.getSpec().getPool(),
        after.getPhase() == null ? "Pending" : after.getPhase().name());
    if (after.equals(cs.getStatus())) {
      return UpdateControl.<ClientSession>noUpdate().rescheduleAfter(RESYNC);
    }
    cs.setStatus(after);
    return UpdateControl.patchStatus(cs).rescheduleAfter(RESYNC);
  }

  private static void setReady(ClientSessionStatus status, boolean ready, String reason, String message) {
    long generation = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    status.setConditions(List.of(PoolConditions.condition(status.getConditions(), "Ready", ready, reason, message,
        generation, Instant.now())));
  }

  private static ClientSessionStatus copy(ClientSessionStatus s) {
    ClientSessionStatus c = new ClientSessionStatus();
    c.setObservedGeneration(s.getObservedGeneration());
    c.setPhase(s.getPhase());
    c.setSessionId(s.getSessionId());
    c.setDriverPod(s.getDriverPod());
    c.setEndpoint(s.getEndpoint());
    c.setRevision(s.getRevision());
    c.setMigrations(s.getMigrations());
    c.setLastActiveTime(s.getLastActiveTime());
    c.setConditions(new ArrayList<>(s.getConditions() == null ? List.of() : s.getConditions()));
    return c;
  }

  @Override
  public DeleteControl cleanup(ClientSession cs, Context<ClientSession> context) {
    ClientSessionStatus status = cs.getStatus();
    if (status != null && status.getDriverPod() != null && status.getPhase() != SessionPhase.Closed) {
      Pod pod = context.getClient().pods().inNamespace(cs.getMetadata().getNamespace()).withName(status.getDriverPod()).get();
      if (pod != null && pod.getStatus() != null && pod.getStatus().getPodIP() != null) {
        try {
          sessions.close(pod.getStatus().getPodIP(), token(cs), sessionId(cs), cs.getSpec().getPrincipal());
          LOG.info("session {} closed on {} for deletion", sessionId(cs), status.getDriverPod());
        } catch (StatusRuntimeException e) {
          LOG.warn("closing session {} on {} failed: {}; retrying", sessionId(cs), status.getDriverPod(), e.getStatus());
          return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(2));
        }
      }
    }
    metrics.session(cs.getMetadata().getNamespace(), cs.getMetadata().getName(), null, null);
    return DeleteControl.defaultDelete();
  }
}

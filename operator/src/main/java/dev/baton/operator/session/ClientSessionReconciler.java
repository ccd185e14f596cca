package dev.baton.operator.session;

import com.google.protobuf.util.Timestamps;
import dev.baton.operator.OperatorMetrics;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.ClientSessionStatus;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.pool.ControlTokens;
import dev.baton.operator.pool.DriverProber;
import dev.baton.api.Durations;
import dev.baton.operator.pool.EventRecorder;
import dev.baton.operator.pool.DriverPoolReconcilerTiming;
import dev.baton.operator.pool.PoolConditions;
import dev.baton.api.PoolLabels;
import dev.baton.api.model.MoveStep;
import dev.baton.api.model.SessionMove;
import dev.baton.operator.session.SessionMoves.StatusWriter;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionState;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.stream.Collectors;
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
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
  /**
   * The longest a steady session goes unread: its lastActiveTime lags at most this plus
   * ACTIVITY_GRANULARITY, and a session closed on its driver without any event is noticed within it.
   */
  static final Duration STEADY_RESYNC = Duration.ofSeconds(60);
  /** lastActiveTime is written when it moved by at least this much: idle sessions cost no writes. */
  static final Duration ACTIVITY_GRANULARITY = Duration.ofMinutes(1);

  private final DriverProber prober;
  private final DriverSessions sessions;
  private final DriverListings listings;
  private final RecordedStates recorded;
  private final SessionMoves moves;
  private final ControlTokens tokens;

  private final OperatorMetrics metrics;

  public ClientSessionReconciler(DriverProber prober, ControlTokens tokens, OperatorMetrics metrics) {
    this(prober, tokens, metrics, MoveHook.NONE);
  }

  /** As above, told when a move passes each of its points (tests stop the operator there). */
  public ClientSessionReconciler(DriverProber prober, ControlTokens tokens, OperatorMetrics metrics, MoveHook hook) {
    this.prober = prober;
    this.tokens = tokens;
    this.metrics = metrics;
    this.sessions = new DriverSessions(prober);
    this.listings = new DriverListings(prober);
    this.moves = new SessionMoves(prober, listings, metrics, hook);
    this.recorded = new RecordedStates(prober);
  }

  private static String recordKey(ClientSession cs) {
    return RecordedStates.key(cs.getMetadata().getNamespace(), cs.getSpec().getPool(), cs.getSpec().getPrincipal(),
        sessionId(cs));
  }

  /** The state Spark drivers last recorded for their sessions (what a lost driver's sessions re-open from). */
  public RecordedStates recordedStates() {
    return recorded;
  }

  /**
   * The id a session has on the drivers: the one its client chose (spec.sessionId, a Spark
   * Connect session id), else derived from its object's uid; stable forever either way.
   */
  static String sessionId(ClientSession cs) {
    String chosen = cs.getSpec() == null ? null : cs.getSpec().getSessionId();
    return chosen != null && !chosen.isEmpty() ? chosen : "cs-" + cs.getMetadata().getUid().replace("-", "");
  }

  @Override
  public List<EventSource<?, ClientSession>> prepareEventSources(EventSourceContext<ClientSession> context) {
    // A driver pod that starts draining, fails or goes wakes the sessions on it (and those moving
    // to or from it) at once, not at their next resync.
    context.getPrimaryCache().addIndexer(BY_DRIVER, cs -> driversOf(cs));
    var pods = InformerEventSourceConfiguration.from(Pod.class, ClientSession.class)
        .withName("session-driver-pods")
        .withLabelSelector(PoolLabels.MANAGED_BY + "=" + PoolLabels.OPERATOR + "," + PoolLabels.COMPONENT + "=driver")
        .withSecondaryToPrimaryMapper(pod -> context.getPrimaryCache()
            .byIndex(BY_DRIVER, pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()).stream()
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withNamespacesInheritedFromController()
        .withItemStore(dev.baton.operator.CachePruning.withoutManagedFields())
        .build();
    podSource = new InformerEventSource<>(pods, context);
    // Pools are only read (a pool's change wakes none of its sessions: its own reconciler acts).
    poolSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(DriverPool.class, ClientSession.class)
        .withName("session-pools").withSecondaryToPrimaryMapper(p -> Set.of())
        .withNamespacesInheritedFromController()
        .withItemStore(dev.baton.operator.CachePruning.withoutManagedFields()).build(), context);
    return List.of(podSource, poolSource);
  }

  private InformerEventSource<Pod, ClientSession> podSource;
  private InformerEventSource<DriverPool, ClientSession> poolSource;

  /** The object as the informer has it; empty when it has none (then the caller asks the API server). */
  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> Optional<R> cached(
      InformerEventSource<R, ClientSession> source, String ns, String name) {
    return name == null || source == null ? Optional.empty() : source.get(new ResourceID(name, ns));
  }

  private static final String BY_DRIVER = "driver";

  private static List<String> driversOf(ClientSession cs) {
    List<String> out = new ArrayList<>();
    String ns = cs.getMetadata().getNamespace();
    if (cs.getStatus() != null) {
      if (cs.getStatus().getDriverPod() != null) {
        out.add(ns + "/" + cs.getStatus().getDriverPod());
      }
      SessionMove m = cs.getStatus().getMove();
      if (m != null && m.getFrom() != null) {
        out.add(ns + "/" + m.getFrom());
      }
      if (m != null && m.getTo() != null) {
        out.add(ns + "/" + m.getTo());
      }
    }
    return out;
  }

  @Override
  public UpdateControl<ClientSession> reconcile(ClientSession cached, Context<ClientSession> context) {
    String ns = cached.getMetadata().getNamespace();
    MDC.put("session", ns + "/" + cached.getMetadata().getName());
    try {
      KubernetesClient client = context.getClient();
      ClientSession cs = cached;
      if (cached.getStatus() != null && cached.getStatus().getMove() != null) {
        // A move resumes from what is written, never from a cache that may lag our own last write.
        cs = client.resource(cached).get();
        if (cs == null) {
          return UpdateControl.noUpdate();
        }
      }
      EventRecorder events = new EventRecorder(client);
      StatusWriter writer = writer(client, cs);
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
        return finish(cs, writer, status);
      }
      // A session with no move under way reads its pool and driver from the informers' caches: a
      // steady resync of n sessions then costs no API reads. A move reads them from the API
      // server: a pod not cached yet must never look gone mid-move.
      boolean steady = cs.getStatus() == null || cs.getStatus().getMove() == null;
      String poolName = cs.getSpec().getPool();
      DriverPool pool = (steady ? cached(poolSource, ns, poolName) : Optional.<DriverPool>empty())
          .orElseGet(() -> client.resources(DriverPool.class).inNamespace(ns).withName(poolName).get());
      if (pool == null) {
        status.setPhase(SessionPhase.Failed);
        setReady(status, false, "PoolNotFound", "no DriverPool named " + cs.getSpec().getPool() + " in " + ns);
        if (before.getPhase() != SessionPhase.Failed) {
          events.warning(cs, "PoolNotFound", "no DriverPool named " + cs.getSpec().getPool() + " in namespace " + ns);
        }
        return finish(cs, writer, status);
      }
      String token = token(cs);

      // A move: one writer (this reconciler), each step written before it is taken.
      SessionMove move = status.getMove();
      String fromName = move != null ? move.getFrom() : status.getDriverPod();
      Optional<Pod> from = steady ? cached(podSource, ns, fromName).or(() -> pod(client, ns, fromName))
          : pod(client, ns, fromName);
      Whereabouts atFrom = from.map(p -> lookup(p, token, status.getSessionId())).orElse(Whereabouts.GONE);
      boolean fromDraining = from.map(ClientSessionReconciler::draining).orElse(false);
      if (fromDraining && steady) {
        // A move is about to be chosen: its target revision comes from the pool as stored (the
        // pool's status names the new revision before any driver is drained for it; the two
        // caches may show the drain first).
        DriverPool stored = client.resources(DriverPool.class).inNamespace(ns).withName(poolName).get();
        if (stored != null) {
          pool = stored;
        }
      }
      Optional<Pod> to = move != null && move.getTo() != null ? pod(client, ns, move.getTo()) : Optional.empty();
      Whereabouts atTo = to.map(p -> lookup(p, token, status.getSessionId())).orElse(Whereabouts.GONE);
      Optional<Pod> target = Optional.empty();
      if (fromDraining && (move == null || move.getStep() == MoveStep.WaitingForQuiet)) {
        // A move goes only to a driver of the revision the pool is heading to, so each session
        // moves once per rollout (new sessions may land on old drivers while new ones start).
        target = pickDriver(client, ns, cs.getSpec().getPool(), fromName, moveRevision(pool), null);
      }
      MovePlanner.Facts facts = new MovePlanner.Facts(atFrom.known(), fromDraining, atFrom.info().isPresent(),
          // A Spark driver finishes its queries after the move: only state changes hold it.
          atFrom.info().map(i -> i.getOperationsFinishHere() ? i.getStateChangesRunning() : i.getOperationsRunning())
              .orElse(0), target.isPresent(),
          move != null && move.getTo() != null ? atTo.knownAsTarget() : MovePlanner.Known.GONE,
          atTo.info().filter(i -> i.getState() != SessionState.SESSION_FROZEN).isPresent());
      MovePlanner.Action action = MovePlanner.next(move, facts, Instant.now(), drainTimeout(pool));
      if (action != MovePlanner.Action.NONE) {
        Pod toPod = to.orElse(target.orElse(null));
        SessionMoves.Outcome outcome = moves.act(action,
            new SessionMoves.Subject(cs, token, from.orElse(null), toPod, events, writer), status);
        if (outcome == SessionMoves.Outcome.DONE) {
          if (toPod != null && !toPod.getMetadata().getName().equals(from.map(p -> p.getMetadata().getName())
              .orElse(null)) && toPod.getMetadata().getName().equals(status.getDriverPod())
              && PoolLabels.SPARK_CONNECT_KIND.equals(toPod.getMetadata().getLabels().get(PoolLabels.DRIVER_KIND))) {
            // Moved to a Spark driver: its state is what the old one recorded (it was frozen) until
            // the new one streams its own.
            recorded.moved(recordKey(cs), from.map(p -> p.getMetadata().getName()).orElse(null),
                cs.getMetadata().getNamespace(), cs.getSpec().getPool(), toPod.getMetadata().getName(),
                toPod.getStatus().getPodIP(), token);
          }
          return finish(cs, writer, status);
        }
        return place(client, cs, pool, status, before, events, writer, token);
      }
      if (move != null && move.getStep() != MoveStep.WaitingForQuiet) {
        // Mid-move and a driver does not answer: nothing is decided on an unknown.
        setReady(status, false, "DriverUnreachable", "moving from " + move.getFrom() + " to " + move.getTo()
            + " (" + move.getStep() + "); a driver does not answer, the move resumes when it does");
        return finish(cs, writer, status);
      }

      Optional<Pod> driver = move == null ? from : pod(client, ns, status.getDriverPod());
      Whereabouts where = move == null ? atFrom
          : driver.map(p -> lookup(p, token, status.getSessionId())).orElse(Whereabouts.GONE);
      if (where.known() == MovePlanner.Known.UNKNOWN) {
        // Its driver runs but cannot be read: the session may well be there. Re-opening it
        // elsewhere would make two copies, so it stays put until the driver answers or fails.
        setReady(status, false, "DriverUnreachable", "driver " + status.getDriverPod()
            + " does not answer; the session stays on it until it answers or fails");
        return finish(cs, writer, status);
      }
      Optional<SessionInfo> onDriver = where.info();
      if (onDriver.isPresent() && onDriver.get().getState() == SessionState.SESSION_FROZEN && stored(client, cs)) {
        // Frozen with no move under way (a move that ended without undoing its freeze): undo it,
        // or every call would wait for a move that never comes. Decided on the object as stored:
        // a cache that lags our own write of a move must never unfreeze that move's copy.
        unfreezeLeftover(driver.get(), token, status.getSessionId());
      }
      if (onDriver.isPresent()) {
        recorded.observe(recordKey(cs), cs.getMetadata().getNamespace(), cs.getSpec().getPool(),
            driver.get().getMetadata().getName(), driver.get().getStatus().getPodIP(), token, onDriver.get());
        status.setPhase(SessionPhase.Bound);
        setReady(status, true, "Open", "open on " + status.getDriverPod()
            + (move != null ? "; waits for a quiet moment to move off its draining driver" : ""));
        Instant active = Instant.ofEpochMilli(Timestamps.toMillis(onDriver.get().getLastActiveAt()));
        Instant known = status.getLastActiveTime() == null ? Instant.EPOCH : Instant.parse(status.getLastActiveTime());
        if (active.isAfter(known.plus(ACTIVITY_GRANULARITY)) || status.getLastActiveTime() == null) {
          status.setLastActiveTime(active.truncatedTo(ChronoUnit.SECONDS).toString());
        }
        Duration idle = Durations.parse(cs.getSpec().getIdleTimeout() != null ? cs.getSpec().getIdleTimeout()
            : pool.getSpec().getSessions().getIdleTimeout());
        if (Duration.between(active, Instant.now()).compareTo(idle) > 0) {
          sessions.close(driver.get().getStatus().getPodIP(), token, status.getSessionId(), cs.getSpec().getPrincipal());
          status.setPhase(SessionPhase.Closed);
          recorded.forget(recordKey(cs));
          status.setMove(null);
          setReady(status, false, "IdleTimeout", "closed after " + idle + " without a call");
          events.normal(cs, "IdleTimeout", "session closed after " + idle + " without a call");
        }
        if (move == null && !fromDraining && status.getPhase() == SessionPhase.Bound) {
          return finish(cs, writer, status, steadyResync(idle.minus(Duration.between(active, Instant.now()))));
        }
        return finish(cs, writer, status);
      }
      return place(client, cs, pool, status, before, events, writer, token);
    } finally {
      MDC.remove("session");
    }
  }

  /** Not open anywhere we know: place it (first time) or re-open it from its declared state (its driver was lost). */
  private UpdateControl<ClientSession> place(KubernetesClient client, ClientSession cs, DriverPool pool,
      ClientSessionStatus status, ClientSessionStatus before, EventRecorder events, StatusWriter writer, String token) {
    String ns = cs.getMetadata().getNamespace();
    // Opening is an effect before a status write: decide it on the object as stored, never on a
    // cache that may not show our own last write yet (that could open a second copy elsewhere).
    if (!stored(client, cs)) {
      return UpdateControl.<ClientSession>noUpdate().rescheduleAfter(Duration.ofMillis(200));
    }
    boolean replacing = status.getDriverPod() != null;
    status.setMove(null);
    // Where an earlier try opened it but could not record it (its status write failed), if that
    // driver still takes sessions: opening it anywhere else would leave that copy behind, held by
    // no ClientSession, and its driver could never be emptied.
    Optional<Pod> target = pickDriver(client, ns, cs.getSpec().getPool(), null, null, status.getSessionId());
    if (target.isEmpty()) {
      status.setPhase(replacing ? SessionPhase.Migrating : SessionPhase.Pending);
      setReady(status, false, "NoDriverAvailable", "no driver of pool " + cs.getSpec().getPool() + " takes sessions yet");
      return finish(cs, writer, status);
    }
    Pod pod = target.get();
    String ip = pod.getStatus().getPodIP();
    // The state its lost driver last recorded, if the operator holds it, for this session's owner only.
    Optional<RecordedStates.Recorded> fromRecord = replacing ? recorded.get(recordKey(cs),
        status.getDriverPod()).filter(r -> r.snapshot().getPrincipal().equals(cs.getSpec().getPrincipal()))
        : Optional.empty();
    try {
      // Opened there by an earlier try (views and all) and still there: only the record is
      // missing. Not opened again: a driver that began draining since would refuse the open.
      boolean openedBefore = ip.equals(unrecorded.get(status.getSessionId()))
          && listings.findFresh(ip, token, status.getSessionId()).isPresent();
      if (!openedBefore && fromRecord.isPresent()) {
        // A Spark driver's session: re-opened from the state its lost driver last recorded.
        try {
          prober.controlStub(ip, token).withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
              .importSession(fromRecord.get().snapshot());
        } catch (StatusRuntimeException e) {
          // Imported by an earlier try that outlived its deadline: fine once it is whole there.
          boolean whole = e.getStatus().getCode() == Status.Code.ALREADY_EXISTS
              && listings.findFresh(ip, token, status.getSessionId())
                  .map(i -> i.getState() != SessionState.SESSION_FROZEN).orElse(false);
          if (!whole) {
            throw e.getStatus().getCode() == Status.Code.ALREADY_EXISTS
                ? Status.UNAVAILABLE.withDescription("its copy on " + pod.getMetadata().getName()
                    + " is still being rebuilt").asRuntimeException() : e;
          }
        }
      } else if (!openedBefore) {
        sessions.open(ip, token, status.getSessionId(), cs.getSpec().getPrincipal(), cs.getSpec().getConfig(),
            cs.getSpec().getViews());
      }
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        // The driver did not answer, it did not refuse: try again (maybe elsewhere) soon.
        status.setPhase(replacing ? SessionPhase.Migrating : SessionPhase.Pending);
        setReady(status, false, "DriverUnreachable", "driver " + pod.getMetadata().getName() + ": " + code + ": "
            + e.getStatus().getDescription());
        return finish(cs, writer, status);
      }
      status.setPhase(SessionPhase.Failed);
      setReady(status, false, "OpenFailed", e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      if (before.getPhase() != SessionPhase.Failed) {
        events.warning(cs, "OpenFailed", "driver " + pod.getMetadata().getName() + " refused the session: "
            + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      }
      return finish(cs, writer, status);
    }
    listings.placed(ip, status.getSessionId());
    unrecorded.put(status.getSessionId(), ip);
    if (PoolLabels.SPARK_CONNECT_KIND.equals(pod.getMetadata().getLabels().get(PoolLabels.DRIVER_KIND))) {
      recorded.follow(recordKey(cs), ns, cs.getSpec().getPool(), pod.getMetadata().getName(), ip, token);
    }
    String lost = null;
    if (replacing && fromRecord.isPresent()) {
      status.setMigrations(status.getMigrations() + 1);
      SessionSnapshot snapshot = fromRecord.get().snapshot();
      lost = "driver " + status.getDriverPod() + " was lost with the session; re-opened on "
          + pod.getMetadata().getName() + " from the state its driver recorded at " + fromRecord.get().at()
          .truncatedTo(ChronoUnit.SECONDS) + " (" + snapshot.getSparkReplayCount() + " steps: config, views). Lost: "
          + "operations that were running, and changes made after that time"
          + (snapshot.getNotMovedCount() > 0 ? "; also " + String.join("; ", snapshot.getNotMovedList()) : "");
      Conditions.setStateLost(status, "DriverLost", lost);
    } else if (replacing) {
      status.setMigrations(status.getMigrations() + 1);
      lost = "driver " + status.getDriverPod() + " was lost with the session; re-opened on "
          + pod.getMetadata().getName() + " from its declared state (config and views of the spec). Lost: config "
          + "set and views created by the client, its tables, and results not yet released";
      Conditions.setStateLost(status, "DriverLost", lost);
    }
    status.setPhase(SessionPhase.Bound);
    status.setDriverPod(pod.getMetadata().getName());
    status.setEndpoint(ip + ":" + PoolLabels.DRIVER_PORT);
    status.setRevision(pod.getMetadata().getLabels().get(PoolLabels.REVISION));
    status.setLastActiveTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    setReady(status, true, "Open", "open on " + pod.getMetadata().getName());
    UpdateControl<ClientSession> done = finish(cs, writer, status);
    // Recorded: from now on its status says where it is. Events only now, so a write refused
    // again and again does not add an event at every retry.
    unrecorded.remove(status.getSessionId(), ip);
    if (lost != null) {
      events.warning(cs, "SessionReplaced", lost);
    } else {
      events.normal(cs, "SessionOpened", "opened on driver " + pod.getMetadata().getName());
    }
    return done;
  }

  /** Sessions this operator opened on a driver (by address) whose status write has not succeeded yet. */
  private final java.util.Map<String, String> unrecorded = new java.util.concurrent.ConcurrentHashMap<>();

  /** Whether {@code cs} is the object as stored now (not a cache that lags a write). */
  private static boolean stored(KubernetesClient client, ClientSession cs) {
    ClientSession stored = client.resource(cs).get();
    return stored != null && java.util.Objects.equals(stored.getMetadata().getResourceVersion(),
        cs.getMetadata().getResourceVersion());
  }

  private void unfreezeLeftover(Pod pod, String token, String sessionId) {
    try {
      if (listings.findFresh(pod.getStatus().getPodIP(), token, sessionId)
          .filter(i -> i.getState() == SessionState.SESSION_FROZEN).isEmpty()) {
        return; // the listing was older than the copy's state
      }
      prober.stub(pod.getStatus().getPodIP(), token).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
          .unfreezeSession(dev.baton.proto.v1.UnfreezeSessionRequest.newBuilder().setSessionId(sessionId).build());
      listings.invalidate(pod.getStatus().getPodIP());
      LOG.warn("session {} was frozen on {} with no move under way; unfrozen", sessionId, pod.getMetadata().getName());
    } catch (StatusRuntimeException e) {
      LOG.warn("session {} is frozen on {} with no move under way and cannot be unfrozen yet: {}", sessionId,
          pod.getMetadata().getName(), e.getStatus());
    }
  }

  private static Optional<Pod> pod(KubernetesClient client, String ns, String name) {
    return name == null ? Optional.empty() : Optional.ofNullable(client.pods().inNamespace(ns).withName(name).get());
  }

  private static boolean draining(Pod p) {
    return p.getMetadata().getLabels() != null && "true".equals(p.getMetadata().getLabels().get(PoolLabels.DRAINING));
  }

  private static Duration drainTimeout(DriverPool pool) {
    String t = pool.getSpec().getUpgrade() == null ? null : pool.getSpec().getUpgrade().getDrainTimeout();
    return Durations.parse(t == null ? "5m" : t);
  }

  /** Writes status with the object's resourceVersion: a concurrent writer makes this reconcile fail and retry. */
  private static StatusWriter writer(KubernetesClient client, ClientSession cs) {
    return st -> {
      cs.setStatus(copy(st));
      ClientSession written = client.resource(cs).updateStatus();
      cs.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
    };
  }

  private String token(ClientSession cs) {
    return tokens.token(cs.getMetadata().getNamespace(), cs.getSpec().getPool());
  }

  /** Where a session is, as far as its driver says. */
  private record Whereabouts(Optional<SessionInfo> info, MovePlanner.Known known) {
    /** The driver is gone (deleted, terminating, failed) or answered that it holds no such session. */
    static final Whereabouts GONE = new Whereabouts(Optional.empty(), MovePlanner.Known.GONE);
    /** The driver's pod runs but the driver did not answer: the session may be there. */
    static final Whereabouts UNKNOWN = new Whereabouts(Optional.empty(), MovePlanner.Known.UNKNOWN);

    /**
     * As a move's target: a driver that answered is ALIVE; a copy still being imported there
     * (listed frozen) is not yet known to be whole.
     */
    MovePlanner.Known knownAsTarget() {
      if (known == MovePlanner.Known.ALIVE && info.filter(i -> i.getState() == SessionState.SESSION_FROZEN).isPresent()) {
        return MovePlanner.Known.UNKNOWN;
      }
      return known;
    }
  }

  private Whereabouts lookup(Pod pod, String token, String sessionId) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || pod.getStatus().getPodIP() == null
        || "Failed".equals(pod.getStatus().getPhase()) || "Succeeded".equals(pod.getStatus().getPhase())) {
      return Whereabouts.GONE;
    }
    try {
      return new Whereabouts(listings.find(pod.getStatus().getPodIP(), token, sessionId), MovePlanner.Known.ALIVE);
    } catch (StatusRuntimeException e) {
      return Whereabouts.UNKNOWN;
    }
  }

  /**
   * The least loaded driver listed in the pool's EndpointSlice (the drivers taking sessions),
   * other than {@code except} and other than any labelled draining since the slice was written;
   * loads come from the shared listings, not a probe per candidate. Before any of them, the
   * driver this operator opened {@code holding} on without recording it, if that driver still
   * runs (draining or not: a draining one then moves it as usual), or one whose listing holds it.
   *
   * @param revision when not null, only drivers of this revision
   */
  private Optional<Pod> pickDriver(KubernetesClient client, String ns, String pool, String except, String revision,
      String holding) {
    EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace(ns)
        .withName(PoolLabels.driversService(pool)).get();
    if (slice == null || slice.getEndpoints() == null) {
      return Optional.empty();
    }
    java.util.Map<String, Pod> pods = client.pods().inNamespace(ns).withLabels(PoolLabels.driverSelector(pool)).list()
        .getItems().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    String token = tokens.token(ns, pool);
    String openedOn = holding == null ? null : unrecorded.get(holding);
    if (openedOn != null) {
      Optional<Pod> there = pods.values().stream().filter(p -> openedOn.equals(p.getStatus().getPodIP())
          && !lookupGone(p)).findFirst();
      if (there.isPresent()) {
        return there;
      }
    }
    Pod best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (Endpoint e : slice.getEndpoints()) {
      Pod p = e.getTargetRef() == null ? null : pods.get(e.getTargetRef().getName());
      if (p == null || p.getMetadata().getName().equals(except) || draining(p) || lookupGone(p)
          || revision != null && !revision.equals(p.getMetadata().getLabels().get(PoolLabels.REVISION))) {
        continue;
      }
      Optional<Integer> load = listings.load(p.getStatus().getPodIP(), token);
      if (holding != null && load.isPresent() && listings.holds(p.getStatus().getPodIP(), holding)) {
        return Optional.of(p);
      }
      if (load.isPresent() && (load.get() < bestLoad
          || load.get() == bestLoad && p.getMetadata().getName().compareTo(best.getMetadata().getName()) < 0)) {
        best = p;
        bestLoad = load.get();
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The revision a move may go to: the one the pool heads to, except when its rollout stopped
   * (no progress, no rollback): then sessions on drivers drained before it stopped go wherever
   * the pool takes sessions, rather than wait for drivers that will not come.
   */
  private static String moveRevision(DriverPool pool) {
    if (pool.getStatus() == null) {
      return null;
    }
    var rollout = pool.getStatus().getRollout();
    if (rollout != null && rollout.getPhase() == dev.baton.api.model.RolloutPhase.Failed) {
      return null;
    }
    return pool.getStatus().getUpdateRevision();
  }

  private static boolean openedAdHoc(ClientSession cs) {
    return cs.getMetadata().getLabels() != null
        && "gateway".equals(cs.getMetadata().getLabels().get(dev.baton.api.PoolLabels.CREATED_BY));
  }

  /**
   * When a session open on a serving driver, with no move, is looked at again: when it would
   * become idle, but no sooner than {@link #RESYNC} and no later than {@link #STEADY_RESYNC}.
   * Everything else that concerns it raises an event (its driver draining, failing or going; its
   * object changing), so n steady sessions cost n / 60 reconciles a second, not n / 5.
   */
  static Duration steadyResync(Duration untilIdle) {
    if (untilIdle.compareTo(RESYNC) < 0) {
      return RESYNC;
    }
    return untilIdle.compareTo(STEADY_RESYNC) > 0 ? STEADY_RESYNC : untilIdle;
  }

  private UpdateControl<ClientSession> finish(ClientSession cs, StatusWriter writer, ClientSessionStatus after) {
    return finish(cs, writer, after, RESYNC);
  }

  /** Writes the status if it changed (every write of this reconciler goes through {@code writer}). */
  private UpdateControl<ClientSession> finish(ClientSession cs, StatusWriter writer, ClientSessionStatus after,
      Duration next) {
    metrics.session(cs.getMetadata().getNamespace(), cs.getMetadata().getName(), cs.getSpec().getPool(),
        after.getPhase() == null ? "Pending" : after.getPhase().name());
    if (!after.equals(cs.getStatus())) {
      writer.write(after);
    }
    return UpdateControl.<ClientSession>noUpdate().rescheduleAfter(next);
  }

  private static void setReady(ClientSessionStatus status, boolean ready, String reason, String message) {
    Conditions.setReady(status, ready, reason, message);
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
    c.setMove(s.getMove() == null ? null : s.getMove().at(s.getMove().getStep(), s.getMove().getTo()));
    c.setConditions(new ArrayList<>(s.getConditions() == null ? List.of() : s.getConditions()));
    return c;
  }

  /**
   * Closes the session on every driver that may hold it (its driver, and both ends of a move).
   * A driver that is gone (pod deleted, terminating or failed) holds nothing to close; one that
   * runs but does not answer is tried again.
   */
  @Override
  public DeleteControl cleanup(ClientSession cs, Context<ClientSession> context) {
    ClientSessionStatus status = cs.getStatus();
    if (status != null && status.getPhase() != SessionPhase.Closed) {
      java.util.Set<String> holders = new java.util.LinkedHashSet<>();
      if (status.getDriverPod() != null) {
        holders.add(status.getDriverPod());
      }
      if (status.getMove() != null) {
        holders.add(status.getMove().getFrom());
        if (status.getMove().getTo() != null) {
          holders.add(status.getMove().getTo());
        }
      }
      for (String name : holders) {
        Optional<Pod> pod = pod(context.getClient(), cs.getMetadata().getNamespace(), name);
        if (pod.isEmpty() || lookupGone(pod.get())) {
          continue;
        }
        String ip = pod.get().getStatus().getPodIP();
        try {
          try {
            prober.stub(ip, token(cs)).withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).unfreezeSession(
                dev.baton.proto.v1.UnfreezeSessionRequest.newBuilder().setSessionId(sessionId(cs)).build());
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
              throw e;
            }
          }
          sessions.close(ip, token(cs), sessionId(cs), cs.getSpec().getPrincipal());
          LOG.info("session {} closed on {} for deletion", sessionId(cs), name);
        } catch (StatusRuntimeException e) {
          LOG.warn("closing session {} on {} failed: {}; retrying", sessionId(cs), name, e.getStatus());
          return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(2));
        }
      }
    }
    String stray = unrecorded.remove(sessionId(cs));
    if (stray != null) {
      // Opened here but never recorded in its status: closed too, once, as well as it can be.
      try {
        sessions.close(stray, token(cs), sessionId(cs), cs.getSpec().getPrincipal());
      } catch (StatusRuntimeException e) {
        LOG.warn("session {} was opened at {} without being recorded and could not be closed there: {}",
            sessionId(cs), stray, e.getStatus());
      }
    }
    metrics.session(cs.getMetadata().getNamespace(), cs.getMetadata().getName(), null, null);
    recorded.forget(recordKey(cs));
    return DeleteControl.defaultDelete();
  }

  private static boolean lookupGone(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
        || pod.getStatus().getPodIP() == null || "Failed".equals(pod.getStatus().getPhase())
        || "Succeeded".equals(pod.getStatus().getPhase());
  }
}

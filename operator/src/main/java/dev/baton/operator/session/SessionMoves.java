package dev.baton.operator.session;

import dev.baton.operator.OperatorMetrics;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.ClientSessionStatus;
import dev.baton.api.model.MoveStep;
import dev.baton.api.model.SessionMove;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.pool.DriverProber;
import dev.baton.operator.pool.EventRecorder;
import dev.baton.api.PoolLabels;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.ReleaseSessionRequest;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionState;
import dev.baton.proto.v1.UnfreezeSessionRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the steps of a session's move that {@link MovePlanner} chose. Each step's status is
 * written before the step is taken ({@link StatusWriter}); a step that cannot be finished now
 * (a driver not answering) leaves the status where it is, and the next reconcile resumes from it.
 */
final class SessionMoves {
  private static final Logger LOG = LoggerFactory.getLogger(SessionMoves.class);
  /** Long enough for a snapshot of the largest tables a session may hold. */
  private static final long TRANSFER_SECONDS = 120;

  /** Writes a session's status to the API server (optimistic: a conflict fails the reconcile). */
  @FunctionalInterface
  interface StatusWriter {
    void write(ClientSessionStatus status);
  }

  /** What a move needs to know of one session. */
  record Subject(ClientSession cs, String token, Pod from, Pod to, EventRecorder events, StatusWriter writer) {
    String id() {
      return cs.getStatus().getSessionId();
    }

    String namespace() {
      return cs.getMetadata().getNamespace();
    }

    String pool() {
      return cs.getSpec().getPool();
    }
  }

  /** What the reconcile does after the action. */
  enum Outcome {
    /** The status now says everything: finish the reconcile. */
    DONE,
    /** The session is on no driver: re-open it from its declared state. */
    REOPEN
  }

  private final DriverProber prober;
  private final DriverListings listings;
  private final OperatorMetrics metrics;
  private final MoveHook hook;

  SessionMoves(DriverProber prober, DriverListings listings, OperatorMetrics metrics, MoveHook hook) {
    this.prober = prober;
    this.listings = listings;
    this.metrics = metrics;
    this.hook = hook;
  }

  Outcome act(MovePlanner.Action action, Subject s, ClientSessionStatus status) {
    SessionMove move = status.getMove();
    switch (action) {
      case NONE -> {
        return Outcome.DONE;
      }
      case WAIT_FOR_QUIET -> {
        status.setMove(new SessionMove(s.from().getMetadata().getName(), null, MoveStep.WaitingForQuiet, now(),
            "DriverDraining"));
        s.writer().write(status);
        return Outcome.DONE;
      }
      case FREEZE, FREEZE_STOPPING_OPERATIONS -> {
        SessionMove base = move != null ? move
            : new SessionMove(s.from().getMetadata().getName(), null, MoveStep.WaitingForQuiet, now(), "DriverDraining");
        status.setMove(base.at(MoveStep.Freezing, s.to().getMetadata().getName()));
        status.setPhase(SessionPhase.Migrating);
        Conditions.setReady(status, false, "Moving", "moving from " + s.from().getMetadata().getName() + " to "
            + s.to().getMetadata().getName() + "; calls wait for it");
        s.writer().write(status);
        hook.reached(s.id(), MoveHook.Point.MIGRATING_WRITTEN);
        s.events().normal(s.cs(), "SessionMoving", "moving from " + s.from().getMetadata().getName() + " to "
            + s.to().getMetadata().getName() + (action == MovePlanner.Action.FREEZE_STOPPING_OPERATIONS
                ? " after drainTimeout, stopping its running operations" : ""));
        return transfer(s, status, action == MovePlanner.Action.FREEZE_STOPPING_OPERATIONS);
      }
      case RESUME -> {
        return transfer(s, status, false);
      }
      case BIND -> {
        bind(s, status, null, "");
        release(s, status); // the old copy, if its driver still runs, is still frozen there
        return Outcome.DONE;
      }
      case RELEASE -> {
        release(s, status);
        return Outcome.DONE;
      }
      case ABORT -> {
        abort(s, status, "its target " + move.getTo() + " is gone");
        return Outcome.DONE;
      }
      case FORGET -> {
        status.setMove(null);
        s.writer().write(status);
        return Outcome.DONE;
      }
      case LOST -> {
        metrics.move(s.namespace(), s.pool(), "lost", null);
        s.events().warning(s.cs(), "SessionLost", "the session was on neither " + move.getFrom() + " nor "
            + move.getTo() + " when its move resumed; it is re-opened from its declared state");
        status.setMove(null);
        status.setDriverPod(move.getFrom());
        return Outcome.REOPEN;
      }
      default -> throw new IllegalStateException(action.name());
    }
  }

  /** Export (frozen), import, bind, release: from wherever the status says the move is. */
  private Outcome transfer(Subject s, ClientSessionStatus status, boolean stopRunning) {
    String fromIp = s.from().getStatus().getPodIP();
    String toIp = s.to().getStatus().getPodIP();
    Instant frozenAt = Instant.now();
    SessionSnapshot snapshot;
    try {
      snapshot = prober.stub(fromIp, s.token()).withDeadlineAfter(TRANSFER_SECONDS, TimeUnit.SECONDS)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(s.id()).setFreeze(true)
              .setStopRunning(stopRunning).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
        // An operation started before the freeze, or one did not end: back to waiting (the driver
        // undoes a freeze made by a failed export; one left by an earlier attempt is undone here).
        if (!unfreeze(s, fromIp)) {
          return Outcome.DONE; // the move stays recorded; the next reconcile tries again
        }
        status.setMove(status.getMove().at(MoveStep.WaitingForQuiet, null));
        status.setPhase(SessionPhase.Bound);
        Conditions.setReady(status, true, "Open", "open on " + s.from().getMetadata().getName()
            + "; waits for a quiet moment to move: " + e.getStatus().getDescription());
        s.writer().write(status);
        return Outcome.DONE;
      }
      LOG.info("move of {} waits: export from {}: {}", s.id(), s.from().getMetadata().getName(), e.getStatus());
      return Outcome.DONE;
    }
    if (stopRunning) {
      metrics.operationsStoppedForMove(s.namespace(), s.pool(), 1);
      s.events().warning(s.cs(), "OperationsStoppedForMove", "operations still running after the pool's "
          + "drainTimeout were stopped so the session could move; their callers got ABORTED "
          + "(OPERATION_STOPPED_FOR_MOVE) and may run them again");
    }
    hook.reached(s.id(), MoveHook.Point.FROZEN);
    status.setMove(status.getMove().at(MoveStep.Importing, s.to().getMetadata().getName()));
    s.writer().write(status);
    try {
      // The control port: the only one that takes a snapshot larger than a session request.
      prober.controlStub(toIp, s.token()).withDeadlineAfter(TRANSFER_SECONDS, TimeUnit.SECONDS)
          .importSession(snapshot);
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.ALREADY_EXISTS) {
        // Imported before (a resumed move) or being imported right now: bind only once it is whole.
        boolean whole = listings.findFresh(toIp, s.token(), s.id())
            .map(i -> i.getState() != SessionState.SESSION_FROZEN).orElse(false);
        if (!whole) {
          LOG.info("move of {} waits: its copy on {} is still being imported", s.id(), s.to().getMetadata().getName());
          return Outcome.DONE;
        }
      } else if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
          || code == Status.Code.CANCELLED || code == Status.Code.UNKNOWN || code == Status.Code.INTERNAL) {
        // No answer: it may or may not be imported. Try the same target again later; never another.
        LOG.info("move of {} waits: import on {}: {}", s.id(), s.to().getMetadata().getName(), e.getStatus());
        return Outcome.DONE;
      } else {
        abort(s, status, "driver " + s.to().getMetadata().getName() + " refused the import: " + code + ": "
            + e.getStatus().getDescription());
        return Outcome.DONE;
      }
    }
    hook.reached(s.id(), MoveHook.Point.IMPORTED);
    if (snapshot.getNotMovedCount() > 0) {
      // A Spark driver's session can hold what replay cannot rebuild: said on the session once it
      // is on its new driver, never dropped silently.
      String lost = String.join("; ", snapshot.getNotMovedList());
      Conditions.setStateLost(status, "NotMovable", "moved to " + s.to().getMetadata().getName() + " without: " + lost);
      s.events().warning(s.cs(), "StateNotMoved", "moved to " + s.to().getMetadata().getName()
          + "; left behind what its new driver cannot rebuild: " + lost);
    }
    bind(s, status, frozenAt, stopRunning
        ? "; moved at drainTimeout: operations still running were stopped (OPERATION_STOPPED_FOR_MOVE)" : "");
    hook.reached(s.id(), MoveHook.Point.BOUND_WRITTEN);
    release(s, status);
    return Outcome.DONE;
  }

  /** Points the session at its new driver: gateways re-route its calls there. */
  private void bind(Subject s, ClientSessionStatus status, Instant frozenAt, String note) {
    Pod to = s.to();
    String from = status.getMove().getFrom();
    status.setPhase(SessionPhase.Bound);
    status.setDriverPod(to.getMetadata().getName());
    status.setEndpoint(to.getStatus().getPodIP() + ":" + PoolLabels.DRIVER_PORT);
    status.setRevision(to.getMetadata().getLabels().get(PoolLabels.REVISION));
    status.setMigrations((status.getMigrations() == null ? 0 : status.getMigrations()) + 1);
    status.setMove(status.getMove().at(MoveStep.Releasing, to.getMetadata().getName()));
    Conditions.setReady(status, true, "Open", "open on " + to.getMetadata().getName() + note);
    s.writer().write(status);
    listings.placed(to.getStatus().getPodIP(), s.id());
    metrics.move(s.namespace(), s.pool(), "moved", frozenAt == null ? null : Duration.between(frozenAt, Instant.now()));
    s.events().normal(s.cs(), "SessionMoved", "moved from " + from + " to " + to.getMetadata().getName());
    LOG.info("session moved session={} from={} to={}", s.id(), from, to.getMetadata().getName());
  }

  /** Releases the old copy (it keeps a tombstone) and ends the move; waits if the old driver does not answer. */
  private void release(Subject s, ClientSessionStatus status) {
    Pod from = s.from();
    if (from != null && from.getMetadata().getDeletionTimestamp() == null && from.getStatus() != null
        && from.getStatus().getPodIP() != null) {
      try {
        prober.stub(from.getStatus().getPodIP(), s.token()).withDeadlineAfter(10, TimeUnit.SECONDS)
            .releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(s.id())
                .setMovedTo(status.getDriverPod()).build());
        listings.invalidate(from.getStatus().getPodIP());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          LOG.info("move of {} waits: release on {}: {}", s.id(), from.getMetadata().getName(), e.getStatus());
          return;
        }
      }
    }
    status.setMove(null);
    s.writer().write(status);
  }

  /** Ends a move before Bound: the old copy works again. */
  private void abort(Subject s, ClientSessionStatus status, String why) {
    String fromIp = s.from().getStatus().getPodIP();
    if (!unfreeze(s, fromIp)) {
      return; // the old driver did not answer: the session stays frozen, and the move stays recorded
    }
    SessionMove move = status.getMove();
    // Still on a draining driver: wait again for a target (drainTimeout keeps counting from the start).
    status.setMove(move.at(MoveStep.WaitingForQuiet, null));
    status.setPhase(SessionPhase.Bound);
    Conditions.setReady(status, true, "Open", "open on " + move.getFrom() + "; move aborted: " + why);
    s.writer().write(status);
    metrics.move(s.namespace(), s.pool(), "aborted", null);
    s.events().warning(s.cs(), "MoveAborted", "move to " + move.getTo() + " aborted, the session works on "
        + move.getFrom() + " again: " + why);
  }

  private boolean unfreeze(Subject s, String fromIp) {
    try {
      prober.stub(fromIp, s.token()).withDeadlineAfter(10, TimeUnit.SECONDS)
          .unfreezeSession(UnfreezeSessionRequest.newBuilder().setSessionId(s.id()).build());
      return true;
    } catch (StatusRuntimeException e) {
      LOG.warn("cannot unfreeze {} on {}: {}", s.id(), s.from().getMetadata().getName(), e.getStatus());
      return e.getStatus().getCode() == Status.Code.NOT_FOUND;
    }
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}

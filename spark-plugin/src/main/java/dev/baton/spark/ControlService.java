package dev.baton.spark;

import com.google.protobuf.Timestamp;
import dev.baton.proto.auth.CallerTokenInterceptor;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.ImportSessionResponse;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.ListSessionsResponse;
import dev.baton.proto.v1.MoveStatus;
import dev.baton.proto.v1.ReleaseSessionRequest;
import dev.baton.proto.v1.ReleaseSessionResponse;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionStateUpdate;
import dev.baton.proto.v1.SessionState;
import dev.baton.proto.v1.SetTokensRequest;
import dev.baton.proto.v1.SetTokensResponse;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import dev.baton.proto.v1.UnfreezeSessionRequest;
import dev.baton.proto.v1.UnfreezeSessionResponse;
import dev.baton.proto.v1.WatchSessionStatesRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * baton.v1 DriverControl for a Spark Connect server: status and load, drain, the session list,
 * a session's move (export with freeze, import by replay, unfreeze, release with a tombstone), and
 * the stream of each session's recorded state to the operator.
 */
final class ControlService extends DriverControlGrpc.DriverControlImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ControlService.class);
  /** The snapshot format the plugin writes: the replay journal (see control.proto). */
  static final int SNAPSHOT_FORMAT = 4;
  /** How long a moved session's tombstone answers SESSION_MOVED. */
  static final long TOMBSTONE_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private final PluginRuntime runtime;
  private final StateFeed feed;

  ControlService(PluginRuntime runtime) {
    this.runtime = runtime;
    this.feed = new StateFeed(runtime.sessions(), this::snapshot);
    runtime.timers().scheduleWithFixedDelay(feed::send, StateFeed.PERIOD_MILLIS, StateFeed.PERIOD_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private StatusResponse status() {
    Runtime rt = Runtime.getRuntime();
    int sessions = 0;
    int operations = 0;
    for (TrackedSession s : runtime.sessions().all()) {
      operations += s.operationsRunning();
      // A moved session whose queries still run here counts until they end: the operator does
      // not remove a drained driver under them.
      if (s.state() != TrackedSession.MoveState.RELEASED || s.operationsRunning() > 0) {
        sessions++;
      }
    }
    return StatusResponse.newBuilder()
        .setVersion(runtime.settings().version())
        .setRevision(runtime.settings().revision())
        .setState(runtime.draining() ? StatusResponse.State.DRAINING : StatusResponse.State.ACCEPTING)
        .setSessions(sessions)
        .setOperationsInFlight(operations)
        .setMemoryUsedBytes(rt.totalMemory() - rt.freeMemory())
        .setMemoryMaxBytes(rt.maxMemory())
        .setSnapshotFormatVersion(SNAPSHOT_FORMAT)
        .setMaxSessions(runtime.settings().maxSessions())
        .setRetiringTokensAccepted(runtime.tokens().retiringAccepted())
        .setRetiringTokensIdleMs(runtime.tokens().retiringIdleMillis())
        .setControlPort(runtime.controlPort())
        .build();
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> obs) {
    unary(obs, this::status);
  }

  @Override
  public void drain(DrainRequest req, StreamObserver<StatusResponse> obs) {
    unary(obs, () -> {
      runtime.draining(!req.getResume());
      return status();
    });
  }

  @Override
  public void listSessions(ListSessionsRequest req, StreamObserver<ListSessionsResponse> obs) {
    unary(obs, () -> {
      ListSessionsResponse.Builder out = ListSessionsResponse.newBuilder();
      for (TrackedSession s : runtime.sessions().all()) {
        if (s.state() == TrackedSession.MoveState.RELEASED) {
          continue;
        }
        out.addSessions(SessionInfo.newBuilder().setSessionId(s.sessionId()).setPrincipal(s.userId())
            .setOpenedAt(timestamp(s.openedAt())).setLastActiveAt(timestamp(s.lastActiveAt()))
            .setOperationsRunning(s.operationsRunning()).setViews(s.journal().tempViews().size())
            .setStateVersion(s.stateVersion())
            .setOperationsFinishHere(true).setStateChangesRunning(s.stateChangesRunning())
            .setState(s.state() == TrackedSession.MoveState.FROZEN ? SessionState.SESSION_FROZEN
                : SessionState.SESSION_ACTIVE));
      }
      return out.build();
    });
  }

  @Override
  public void exportSession(ExportSessionRequest req, StreamObserver<SessionSnapshot> obs) {
    unary(obs, () -> {
      TrackedSession s = served(req.getSessionId());
      if (req.getFreeze() && !s.freeze() && req.getStopRunning()) {
        // The move may wait no longer (drainTimeout): stop what is running, then freeze.
        runtime.replayer().interruptAll(s);
        s.freeze();
      }
      if (req.getFreeze() && s.state() != TrackedSession.MoveState.FROZEN) {
        throw new IllegalStateException("session " + s.sessionId() + " has a call in flight that changes its "
            + "state (config, a view, a command); export again once it ends");
      }
      SessionSnapshot out = snapshot(s);
      if (req.getFreeze()) {
        LOG.info("session {} frozen and exported: {} steps, {} not movable{}", s.sessionId(),
            out.getSparkReplayCount(), out.getNotMovedCount(),
            s.operationsRunning() > 0 ? ", " + s.operationsRunning() + " queries finishing here" : "");
      }
      return out;
    });
  }

  /** The session's state as an export returns it: its replay journal and what cannot move. */
  SessionSnapshot snapshot(TrackedSession s) {
    return SessionSnapshot.newBuilder().setFormatVersion(SNAPSHOT_FORMAT)
        .setSessionId(s.sessionId()).setPrincipal(s.userId()).setOpenedAt(timestamp(s.openedAt()))
        .setExportedBy("spark " + runtime.settings().version())
        .setSparkServerSideSessionId(s.clientServerSideId())
        .addAllSparkReplay(s.journal().steps()).addAllNotMoved(s.journal().notMoved())
        .build();
  }

  @Override
  public void watchSessionStates(WatchSessionStatesRequest req, StreamObserver<SessionStateUpdate> obs) {
    String presented = CallerTokenInterceptor.PRESENTED_CONTROL_TOKEN.get();
    feed.watch((ServerCallStreamObserver<SessionStateUpdate>) obs,
        () -> !runtime.tokens().controlRequired() || runtime.tokens().acceptsControl(presented));
  }

  @Override
  public void unfreezeSession(UnfreezeSessionRequest req, StreamObserver<UnfreezeSessionResponse> obs) {
    unary(obs, () -> {
      TrackedSession s = served(req.getSessionId());
      boolean wasFrozen = s.state() == TrackedSession.MoveState.FROZEN;
      s.state(TrackedSession.MoveState.ACTIVE, "");
      return UnfreezeSessionResponse.newBuilder().setWasFrozen(wasFrozen).build();
    });
  }

  @Override
  public void releaseSession(ReleaseSessionRequest req, StreamObserver<ReleaseSessionResponse> obs) {
    unary(obs, () -> {
      TrackedSession s = runtime.sessions().get(req.getSessionId()).orElse(null);
      if (s == null || s.state() == TrackedSession.MoveState.RELEASED) {
        return ReleaseSessionResponse.newBuilder().setReleased(false).build();
      }
      s.state(TrackedSession.MoveState.RELEASED, req.getMovedTo());
      closeWhenIdle(s, System.currentTimeMillis());
      LOG.info("session {} released (moved to {}); {} queries finish here first", s.sessionId(),
          req.getMovedTo().isEmpty() ? "another driver" : req.getMovedTo(), s.operationsRunning());
      return ReleaseSessionResponse.newBuilder().setReleased(true).build();
    });
  }

  /** Closes a released session's Spark copy once its last query ended, and drops its tombstone later. */
  private void closeWhenIdle(TrackedSession s, long releasedAt) {
    if (runtime.sessions().get(s.sessionId()).orElse(null) != s) {
      return; // imported back here meanwhile: the new copy is not this one
    }
    if (s.operationsRunning() > 0) {
      runtime.timers().schedule(() -> closeWhenIdle(s, releasedAt), 1, TimeUnit.SECONDS);
      return;
    }
    try {
      runtime.replayer().close(s);
    } catch (RuntimeException e) {
      LOG.warn("session {}: closing its moved copy failed: {}", s.sessionId(), e.toString());
    }
    long left = Math.max(0, releasedAt + TOMBSTONE_MILLIS - System.currentTimeMillis());
    runtime.timers().schedule(() -> {
      runtime.sessions().remove(s); // only this tombstone: an import back here is another object
    }, left, TimeUnit.MILLISECONDS);
  }

  @Override
  public void importSession(SessionSnapshot req, StreamObserver<ImportSessionResponse> obs) {
    unary(obs, () -> {
      ImportPlan plan = ImportPlan.of(req);
      TrackedSession s = runtime.rebuild(req.getSessionId(), req.getPrincipal(), req.getSparkServerSideSessionId(),
          plan.steps(), plan.notMoved());
      return ImportSessionResponse.newBuilder().setSessionId(s.sessionId())
          .setImportedFormatVersion(req.getFormatVersion()).build();
    });
  }

  @Override
  public void setTokens(SetTokensRequest req, StreamObserver<SetTokensResponse> obs) {
    unary(obs, () -> {
      runtime.tokens().replace(req.getControlTokensList(), req.getSessionTokensList(),
          CallerTokenInterceptor.PRESENTED_CONTROL_TOKEN.get());
      LOG.info("accepted tokens replaced: {} control, {} session", req.getControlTokensCount(),
          req.getSessionTokensCount());
      return SetTokensResponse.getDefaultInstance();
    });
  }

  /** A session served here (not a tombstone), or NOT_FOUND. */
  private TrackedSession served(String sessionId) {
    return runtime.sessions().get(sessionId).filter(s -> s.state() != TrackedSession.MoveState.RELEASED)
        .orElseThrow(() -> MoveStatus.sessionNotFound(sessionId));
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static <T> void unary(StreamObserver<T> obs, Callable<T> body) {
    T result;
    try {
      result = body.call();
    } catch (StatusRuntimeException e) {
      obs.onError(e);
      return;
    } catch (IllegalArgumentException e) {
      obs.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (IllegalStateException e) {
      obs.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (Exception e) {
      LOG.error("DriverControl failed", e);
      obs.onError(Status.INTERNAL.withDescription("Spark driver error: " + e).asRuntimeException());
      return;
    }
    obs.onNext(result);
    obs.onCompleted();
  }
}

package dev.baton.driver.service;

import com.google.protobuf.util.Timestamps;
import dev.baton.driver.session.Operation;
import dev.baton.driver.session.Session;
import dev.baton.driver.session.SessionRegistry;
import dev.baton.driver.snapshot.SessionMover;
import dev.baton.driver.snapshot.SnapshotUpgrader;
import dev.baton.proto.auth.CallerTokenInterceptor;
import dev.baton.proto.auth.DriverTokens;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.ImportSessionResponse;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.ListSessionsResponse;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import dev.baton.proto.v1.ReleaseSessionRequest;
import dev.baton.proto.v1.ReleaseSessionResponse;
import dev.baton.proto.v1.SessionState;
import dev.baton.proto.v1.SetTokensRequest;
import dev.baton.proto.v1.SetTokensResponse;
import dev.baton.proto.v1.UnfreezeSessionRequest;
import dev.baton.proto.v1.UnfreezeSessionResponse;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The lifecycle contract the operator and gateway use: status, drain, and moving sessions. */
public final class DriverControlImpl extends DriverControlGrpc.DriverControlImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(DriverControlImpl.class);
  private final SessionRegistry registry;
  private final SessionMover mover;
  private final String version;
  private final String revision;
  private final DriverTokens tokens;
  private final java.util.function.IntSupplier controlPort;

  public DriverControlImpl(SessionRegistry registry, SessionMover mover, String version,
      String revision, DriverTokens tokens, java.util.function.IntSupplier controlPort) {
    this.tokens = tokens;
    this.controlPort = controlPort;
    this.registry = registry;
    this.mover = mover;
    this.version = version;
    this.revision = revision;
  }

  private StatusResponse status() {
    Runtime rt = Runtime.getRuntime();
    StatusResponse.State state;
    switch (registry.state()) {
      case ACCEPTING:
        state = StatusResponse.State.ACCEPTING;
        break;
      case DRAINING:
        state = StatusResponse.State.DRAINING;
        break;
      default:
        state = StatusResponse.State.STOPPING;
    }
    return StatusResponse.newBuilder()
        .setVersion(version)
        .setRevision(revision)
        .setState(state)
        .setSessions(registry.all().size())
        .setOperationsInFlight(registry.operationsInFlight())
        .setMemoryUsedBytes(rt.totalMemory() - rt.freeMemory())
        .setMemoryMaxBytes(rt.maxMemory())
        .setSnapshotFormatVersion(SnapshotUpgrader.CURRENT_FORMAT)
        .setMaxSessions(registry.maxSessions())
        .setRetiringTokensAccepted(tokens.retiringAccepted())
        .setRetiringTokensIdleMs(tokens.retiringIdleMillis())
        .setControlPort(Math.max(0, controlPort.getAsInt()))
        .build();
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> obs) {
    StatusErrors.unary(obs, this::status);
  }

  @Override
  public void drain(DrainRequest req, StreamObserver<StatusResponse> obs) {
    StatusErrors.unary(obs, () -> {
      if (req.getResume()) {
        registry.resume();
      } else {
        registry.drain();
      }
      return status();
    });
  }

  @Override
  public void listSessions(ListSessionsRequest req, StreamObserver<ListSessionsResponse> obs) {
    StatusErrors.unary(obs, () -> {
      ListSessionsResponse.Builder out = ListSessionsResponse.newBuilder();
      for (Session s : registry.all()) {
        long buffered = 0;
        int running = 0;
        int held = 0;
        for (Operation op : s.operations()) {
          buffered += op.bufferedBytes();
          if (op.isFinished()) {
            held++;
          } else {
            running++;
          }
        }
        out.addSessions(SessionInfo.newBuilder()
            .setSessionId(s.id())
            .setPrincipal(s.principal())
            .setOpenedAt(Timestamps.fromMillis(s.openedAt().toEpochMilli()))
            .setLastActiveAt(Timestamps.fromMillis(s.lastActive().toEpochMilli()))
            .setOperationsRunning(running)
            .setOperationsBuffered(held)
            .setBufferedBytes(buffered)
            .setViews(s.views().size())
            .setState(s.isFrozen() ? SessionState.SESSION_FROZEN : SessionState.SESSION_ACTIVE));
      }
      return out.build();
    });
  }

  @Override
  public void exportSession(ExportSessionRequest req, StreamObserver<SessionSnapshot> obs) {
    StatusErrors.unary(obs, () -> mover.export(registry.getForControl(req.getSessionId()), req.getFreeze(),
        req.getStopRunning()));
  }

  @Override
  public void unfreezeSession(UnfreezeSessionRequest req, StreamObserver<UnfreezeSessionResponse> obs) {
    StatusErrors.unary(obs, () -> {
      boolean was = registry.getForControl(req.getSessionId()).unfreeze();
      if (was) {
        LOG.info("session unfrozen session={} (move aborted)", req.getSessionId());
      }
      return UnfreezeSessionResponse.newBuilder().setWasFrozen(was).build();
    });
  }

  @Override
  public void releaseSession(ReleaseSessionRequest req, StreamObserver<ReleaseSessionResponse> obs) {
    StatusErrors.unary(obs, () -> ReleaseSessionResponse.newBuilder()
        .setReleased(registry.release(req.getSessionId(), req.getMovedTo())).build());
  }

  @Override
  public void importSession(SessionSnapshot req, StreamObserver<ImportSessionResponse> obs) {
    StatusErrors.unary(obs, () -> {
      Session s = mover.importSnapshot(req);
      return ImportSessionResponse.newBuilder().setSessionId(s.id())
          .setImportedFormatVersion(req.getFormatVersion()).build();
    });
  }

  @Override
  public void setTokens(SetTokensRequest req, StreamObserver<SetTokensResponse> obs) {
    StatusErrors.unary(obs, () -> {
      tokens.replace(req.getControlTokensList(), req.getSessionTokensList(),
          CallerTokenInterceptor.PRESENTED_CONTROL_TOKEN.get());
      LOG.info("accepted tokens replaced: {} control, {} session", req.getControlTokensCount(),
          req.getSessionTokensCount());
      return SetTokensResponse.getDefaultInstance();
    });
  }
}

package dev.baton.driver.service;

import dev.baton.driver.session.Operation;
import dev.baton.driver.session.OperationRunner;
import dev.baton.driver.session.ResponseStreamer;
import dev.baton.driver.session.Session;
import dev.baton.driver.session.SessionRegistry;
import dev.baton.proto.v1.CloseSessionRequest;
import dev.baton.proto.v1.CloseSessionResponse;
import dev.baton.proto.v1.ConfigResponse;
import dev.baton.proto.v1.CreateViewRequest;
import dev.baton.proto.v1.CreateViewResponse;
import dev.baton.proto.v1.DropViewRequest;
import dev.baton.proto.v1.DropViewResponse;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.GetConfigRequest;
import dev.baton.proto.v1.InterruptRequest;
import dev.baton.proto.v1.InterruptResponse;
import dev.baton.proto.v1.ListViewsRequest;
import dev.baton.proto.v1.ListViewsResponse;
import dev.baton.proto.v1.OpenSessionRequest;
import dev.baton.proto.v1.OpenSessionResponse;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.ReleaseRequest;
import dev.baton.proto.v1.ReleaseResponse;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.SetConfigRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;

/** The client-facing API. Thin: checks the caller, then hands off to sessions and operations. */
public final class SessionServiceImpl extends SessionServiceGrpc.SessionServiceImplBase {
  private static final Pattern OPERATION_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final int DEFAULT_BATCH_ROWS = 65536;
  private static final int MAX_BATCH_ROWS = 1 << 20;

  private final SessionRegistry registry;
  private final OperationRunner runner;
  private final String version;
  private final String revision;

  public SessionServiceImpl(SessionRegistry registry, OperationRunner runner, String version,
      String revision) {
    this.registry = registry;
    this.runner = runner;
    this.version = version;
    this.revision = revision;
  }

  static String principal() {
    String p = CallerInterceptor.PRINCIPAL_KEY.get();
    if (p == null || p.isBlank()) {
      throw Status.UNAUTHENTICATED.withDescription("no principal: calls must carry the "
          + "baton-principal header").asRuntimeException();
    }
    return p;
  }

  private Session session(String sessionId) {
    if (sessionId.isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("session_id is required").asRuntimeException();
    }
    String header = CallerInterceptor.SESSION_KEY.get();
    if (header != null && !header.equals(sessionId)) {
      throw Status.INVALID_ARGUMENT.withDescription("baton-session-id header (" + header
          + ") does not match session_id (" + sessionId + ")").asRuntimeException();
    }
    return registry.get(sessionId, principal());
  }

  /** A session call's body, run while the call is admitted into the session (the move fence). */
  @FunctionalInterface
  private interface InSession<T> {
    T run(Session s) throws Exception;
  }

  /**
   * Runs a unary call inside the session's fence: a frozen session answers SESSION_MOVING and
   * runs nothing, and a freeze waits until the call is done.
   */
  private <T> void unary(StreamObserver<T> obs, String sessionId, InSession<T> body) {
    StatusErrors.unary(obs, () -> {
      Session s = session(sessionId);
      try (Session.Admission admitted = s.admit()) {
        return body.run(s);
      }
    });
  }

  @Override
  public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> obs) {
    StatusErrors.unary(obs, () -> {
      Session s = registry.open(principal(), req.getSessionId(), req.getConfigMap(), Instant.now());
      return OpenSessionResponse.newBuilder().setSessionId(s.id()).setDriverVersion(version)
          .setDriverRevision(revision).putAllConfig(s.config().asMap()).build();
    });
  }

  @Override
  public void closeSession(CloseSessionRequest req, StreamObserver<CloseSessionResponse> obs) {
    unary(obs, req.getSessionId(), s -> {
      registry.close(s);
      return CloseSessionResponse.getDefaultInstance();
    });
  }

  @Override
  public void getConfig(GetConfigRequest req, StreamObserver<ConfigResponse> obs) {
    unary(obs, req.getSessionId(), s -> ConfigResponse.newBuilder().setSessionId(s.id())
        .putAllConfig(s.config().select(req.getKeysList())).build());
  }

  @Override
  public void setConfig(SetConfigRequest req, StreamObserver<ConfigResponse> obs) {
    unary(obs, req.getSessionId(), s -> ConfigResponse.newBuilder().setSessionId(s.id())
        .putAllConfig(s.changeConfig(req.getSetMap(), req.getUnsetList()).asMap()).build());
  }

  @Override
  public void createView(CreateViewRequest req, StreamObserver<CreateViewResponse> obs) {
    unary(obs, req.getSessionId(), s -> {
      s.createView(req.getName(), req.getPlan(), req.getReplace());
      return CreateViewResponse.getDefaultInstance();
    });
  }

  @Override
  public void dropView(DropViewRequest req, StreamObserver<DropViewResponse> obs) {
    unary(obs, req.getSessionId(), s -> {
      s.dropView(req.getName(), req.getIfExists());
      return DropViewResponse.getDefaultInstance();
    });
  }

  @Override
  public void listViews(ListViewsRequest req, StreamObserver<ListViewsResponse> obs) {
    unary(obs, req.getSessionId(), s -> ListViewsResponse.newBuilder().addAllViews(s.views()).build());
  }

  @Override
  public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
    Session.Admission admitted = null;
    try {
      Session s = session(req.getSessionId());
      admitted = s.admit();
      if (!OPERATION_ID.matcher(req.getOperationId()).matches()) {
        throw Status.INVALID_ARGUMENT.withDescription("operation_id must be 1 to 128 characters of "
            + "[A-Za-z0-9_.:-]").asRuntimeException();
      }
      if (req.getBatchRows() < 0 || req.getBatchRows() > MAX_BATCH_ROWS) {
        throw Status.INVALID_ARGUMENT.withDescription("batch_rows must be between 0 and "
            + MAX_BATCH_ROWS).asRuntimeException();
      }
      if (registry.state() == SessionRegistry.State.STOPPING) {
        throw Status.UNAVAILABLE.withDescription("driver is shutting down; retry on another "
            + "driver").asRuntimeException();
      }
      String fingerprint = fingerprint(req.getPlan());
      Operation fresh = new Operation(req.getOperationId(), fingerprint, s.budget());
      Operation op = s.putOperationIfAbsent(fresh);
      if (op != fresh && !op.planFingerprint().equals(fingerprint)) {
        throw Status.ALREADY_EXISTS.withDescription("operation " + req.getOperationId()
            + " already exists with a different plan").asRuntimeException();
      }
      if (op == fresh) {
        Plan plan = req.getPlan();
        int batchRows = req.getBatchRows() == 0 ? DEFAULT_BATCH_ROWS : req.getBatchRows();
        try {
          runner.start(s, op, () -> s.compiler().compile(plan), batchRows);
        } catch (RejectedExecutionException full) {
          s.forgetOperation(op.id());
          throw Status.RESOURCE_EXHAUSTED.withDescription("driver runs its maximum of operations at once; "
              + "retry when one has finished").asRuntimeException();
        }
      }
      // Started (or found): a freeze may come now; it sees the operation running.
      admitted.close();
      admitted = null;
      ResponseStreamer.of(op, (ServerCallStreamObserver<ExecutePlanResponse>) obs, -1).start();
    } catch (Throwable t) {
      obs.onError(asError(t));
    } finally {
      if (admitted != null) {
        admitted.close();
      }
    }
  }

  @Override
  public void reattach(ReattachRequest req, StreamObserver<ExecutePlanResponse> obs) {
    try {
      Session s = session(req.getSessionId());
      Operation op;
      try (Session.Admission admitted = s.admit()) {
        op = s.operation(req.getOperationId());
      }
      if (req.getAfterIndex() < -1) {
        throw Status.INVALID_ARGUMENT.withDescription("after_index must be >= -1").asRuntimeException();
      }
      ResponseStreamer.of(op, (ServerCallStreamObserver<ExecutePlanResponse>) obs,
          req.getAfterIndex()).start();
    } catch (Throwable t) {
      obs.onError(asError(t));
    }
  }

  @Override
  public void release(ReleaseRequest req, StreamObserver<ReleaseResponse> obs) {
    unary(obs, req.getSessionId(), s -> {
      Operation op = s.operation(req.getOperationId());
      switch (req.getUntilCase()) {
        case ALL:
          op.releaseAll(Operation.StopReason.RELEASED);
          s.forgetOperation(op.id());
          break;
        case UP_TO_INDEX:
          op.release(req.getUpToIndex());
          break;
        default:
          throw Status.INVALID_ARGUMENT.withDescription("give up_to_index or all").asRuntimeException();
      }
      return ReleaseResponse.getDefaultInstance();
    });
  }

  @Override
  public void interrupt(InterruptRequest req, StreamObserver<InterruptResponse> obs) {
    unary(obs, req.getSessionId(), s -> {
      InterruptResponse.Builder out = InterruptResponse.newBuilder();
      if (!req.getOperationId().isEmpty()) {
        Operation op = s.operation(req.getOperationId());
        if (!op.isFinished()) {
          op.stop(Operation.StopReason.INTERRUPTED);
          out.addInterruptedOperationIds(op.id());
        }
      } else {
        for (Operation op : s.operations()) {
          if (!op.isFinished()) {
            op.stop(Operation.StopReason.INTERRUPTED);
            out.addInterruptedOperationIds(op.id());
          }
        }
      }
      return out.build();
    });
  }

  /** A failure as the client gets it, typed details (a move's) kept. */
  private static io.grpc.StatusRuntimeException asError(Throwable t) {
    if (t instanceof io.grpc.StatusRuntimeException sre) {
      return sre;
    }
    return StatusErrors.toStatus(t).asRuntimeException();
  }

  static String fingerprint(Plan plan) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(plan.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

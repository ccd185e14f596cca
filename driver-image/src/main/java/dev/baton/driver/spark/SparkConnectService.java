package dev.baton.driver.spark;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.service.CallerInterceptor;
import dev.baton.driver.session.Operation;
import dev.baton.driver.session.OperationRunner;
import dev.baton.driver.session.ResponseStreamer;
import dev.baton.driver.session.Session;
import dev.baton.driver.session.SessionRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import org.apache.spark.connect.proto.AddArtifactsRequest;
import org.apache.spark.connect.proto.AddArtifactsResponse;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.AnalyzePlanResponse;
import org.apache.spark.connect.proto.ArtifactStatusesRequest;
import org.apache.spark.connect.proto.ArtifactStatusesResponse;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.CreateDataFrameViewCommand;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.FetchErrorDetailsRequest;
import org.apache.spark.connect.proto.FetchErrorDetailsResponse;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.InterruptResponse;
import org.apache.spark.connect.proto.LocalRelation;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteResponse;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.apache.spark.connect.proto.ReleaseSessionResponse;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.SqlCommand;
import org.apache.spark.connect.proto.UserContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Spark Connect ({@code spark.connect.SparkConnectService}) over the same sessions as
 * baton.v1: a Spark session id is a Baton session id, its server-side id and Spark config live in
 * the session and move with it, and its operations are Baton operations, so they are buffered,
 * reattached, released and moved the same way. See docs/spark-connect.md for what is served.
 */
public final class SparkConnectService extends SparkConnectServiceGrpc.SparkConnectServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(SparkConnectService.class);
  private static final Pattern OPERATION_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  /** Rows per Arrow batch: large enough to stream fast, small enough to keep messages modest. */
  private static final int BATCH_ROWS = 65536;
  /** Operation kinds, kept in the operation's fingerprint (which moves with it). */
  private static final String QUERY = "spark-query:";
  private static final String STATEMENT = "spark-statement:";

  private final SessionRegistry registry;
  private final OperationRunner runner;
  private final boolean openOnFirstUse;
  private final String sparkVersion;

  /**
   * @param openOnFirstUse whether a call naming an unknown session opens it, as a Spark Connect
   *     server does; false behind a gateway, where only the operator places sessions
   */
  public SparkConnectService(SessionRegistry registry, OperationRunner runner, boolean openOnFirstUse,
      String sparkVersion) {
    this.registry = registry;
    this.runner = runner;
    this.openOnFirstUse = openOnFirstUse;
    this.sparkVersion = sparkVersion;
  }

  /** The error translator Spark operations run with. */
  public static StatusRuntimeException toError(Throwable t) {
    return SparkErrors.toError(t);
  }

  /**
   * Who calls: the principal the gateway proved. A driver without a gateway in front (no session
   * token) authenticates nobody, so there the caller's own claim is all there is: the
   * {@code baton-principal} header, else the Spark user id, else {@value #ANONYMOUS}.
   */
  private String principal(UserContext user) {
    String p = CallerInterceptor.principalOfCall();
    if (p != null && !p.isBlank()) {
      return p;
    }
    if (openOnFirstUse) {
      return user.getUserId().isBlank() ? ANONYMOUS : "spark:" + user.getUserId();
    }
    throw Status.UNAUTHENTICATED.withDescription("no principal: connect through the pool's gateway")
        .asRuntimeException();
  }

  /** The owner of sessions opened without any name for the caller, on a driver without a gateway. */
  static final String ANONYMOUS = "anonymous";

  /** The caller's session, opened here on first use when this driver opens Spark sessions itself. */
  private Session session(String sessionId, UserContext user, String observedServerSideId) {
    if (sessionId.isEmpty()) {
      throw SparkError.invalidPlan("session_id is required");
    }
    String principal = principal(user);
    Session s;
    try {
      s = registry.get(sessionId, principal);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND || !openOnFirstUse) {
        throw e;
      }
      s = open(sessionId, principal);
    }
    String serverSide = s.spark().serverSideSessionId();
    if (observedServerSideId != null && !observedServerSideId.isEmpty() && !observedServerSideId.equals(serverSide)) {
      throw new SparkError(Status.Code.FAILED_PRECONDITION, SparkError.SPARK, "INVALID_HANDLE.SESSION_CHANGED",
          "HY000", "the existing Spark server driver instance has restarted; please reconnect",
          Map.of("handle", sessionId));
    }
    return s;
  }

  private Session open(String sessionId, String principal) {
    try {
      return registry.open(principal, sessionId, Map.of(), Instant.now());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
        return registry.get(sessionId, principal); // opened by a concurrent first call
      }
      throw e;
    } catch (java.sql.SQLException e) {
      throw new EngineException(e);
    }
  }

  private static String observed(boolean has, String id) {
    return has ? id : null;
  }

  /** A unary call run inside the session's move fence. */
  @FunctionalInterface
  private interface Body<T> {
    T run(Session s) throws Exception;
  }

  private <T> void unary(StreamObserver<T> obs, String sessionId, UserContext user, String observedId,
      Body<T> body) {
    T result;
    try {
      Session s = session(sessionId, user, observedId);
      try (Session.Admission admitted = s.admit()) {
        result = body.run(s);
      }
    } catch (Throwable t) {
      obs.onError(SparkErrors.toError(t));
      return;
    }
    obs.onNext(result);
    obs.onCompleted();
  }

  @Override
  public void config(ConfigRequest req, StreamObserver<ConfigResponse> obs) {
    unary(obs, req.getSessionId(), req.getUserContext(),
        observed(req.hasClientObservedServerSideSessionId(), req.getClientObservedServerSideSessionId()),
        s -> SparkConfigCalls.apply(s.spark(), req.getOperation()).setSessionId(s.id())
            .setServerSideSessionId(s.spark().serverSideSessionId()).build());
  }

  @Override
  public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
    Session.Admission admitted = null;
    try {
      Session s = session(req.getSessionId(), req.getUserContext(), observed(
          req.hasClientObservedServerSideSessionId(), req.getClientObservedServerSideSessionId()));
      admitted = s.admit();
      String opId = req.hasOperationId() ? req.getOperationId() : UUID.randomUUID().toString();
      if (!OPERATION_ID.matcher(opId).matches()) {
        throw new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.ILLEGAL_ARGUMENT, "INVALID_HANDLE.FORMAT",
            "HY000", "operation_id must be 1 to 128 characters of [A-Za-z0-9_.:-]", Map.of());
      }
      if (registry.state() == SessionRegistry.State.STOPPING) {
        throw Status.UNAVAILABLE.withDescription("driver is shutting down; retry on another driver")
            .asRuntimeException();
      }
      boolean reattachable = req.getRequestOptionsList().stream()
          .anyMatch(o -> o.hasReattachOptions() && o.getReattachOptions().getReattachable());
      Plan plan = req.getPlan();
      Operation op;
      switch (plan.getOpTypeCase()) {
        case ROOT -> op = start(s, opId, QUERY, plan, plan.getRoot(), null);
        case COMMAND -> {
          op = command(s, opId, plan, plan.getCommand(), (ServerCallStreamObserver<ExecutePlanResponse>) obs);
          if (op == null) {
            return; // answered at once
          }
        }
        case COMPRESSED_OPERATION -> throw new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.SPARK,
            "CONNECT_INVALID_PLAN.CANNOT_PARSE", "XXKCM", "this driver reads plans uncompressed; the client "
                + "sends them so once it sees this error", Map.of());
        default -> throw SparkError.invalidPlan("a plan with neither a relation nor a command");
      }
      admitted.close();
      admitted = null;
      stream(s, op, (ServerCallStreamObserver<ExecutePlanResponse>) obs, -1, reattachable);
    } catch (Throwable t) {
      obs.onError(SparkErrors.toError(t));
    } finally {
      if (admitted != null) {
        admitted.close();
      }
    }
  }

  /**
   * Starts (or finds, when the client sends the same operation again) an operation that runs
   * {@code relation}'s query, or {@code statementSql} when given.
   */
  private Operation start(Session s, String opId, String kind, Plan plan, Relation relation, String statementSql) {
    String fingerprint = kind + sha256(plan.toByteArray());
    Operation fresh = new Operation(opId, fingerprint, s.budget());
    Operation op = s.putOperationIfAbsent(fresh);
    if (op != fresh && !op.planFingerprint().equals(fingerprint)) {
      throw new SparkError(Status.Code.ALREADY_EXISTS, SparkError.SPARK, "INVALID_HANDLE.OPERATION_ALREADY_EXISTS",
          "HY000", "operation " + opId + " already exists with a different plan", Map.of("handle", opId));
    }
    if (op == fresh) {
      try {
        runner.start(s, op, () -> statementSql != null ? statementSql
            : new SparkRelations(new SessionSparkEngine(s.engine())).compileRoot(relation), BATCH_ROWS,
            OperationRunner.Output.SPARK);
      } catch (RejectedExecutionException full) {
        s.forgetOperation(op.id());
        throw Status.RESOURCE_EXHAUSTED.withDescription("driver runs its maximum of operations at once; retry "
            + "when one has finished").asRuntimeException();
      }
    }
    return op;
  }

  /** Runs a command; returns its operation when it streams results, null when already answered. */
  private Operation command(Session s, String opId, Plan plan, Command c,
      ServerCallStreamObserver<ExecutePlanResponse> obs) throws Exception {
    switch (c.getCommandTypeCase()) {
      case SQL_COMMAND -> {
        Relation input = sqlInput(c.getSqlCommand());
        if (!input.hasSql()) {
          answer(s, opId, obs, ExecutePlanResponse.newBuilder().setSqlCommandResult(
              ExecutePlanResponse.SqlCommandResult.newBuilder().setRelation(input)));
          return null;
        }
        String text;
        boolean query;
        s.engineLock().lock();
        try {
          text = new SparkRelations(new SessionSparkEngine(s.engine())).compile(input);
          query = isQuery(s, text);
        } finally {
          s.engineLock().unlock();
        }
        if (query) {
          // A query runs when its DataFrame is used, as in Spark: hand the relation back.
          answer(s, opId, obs, ExecutePlanResponse.newBuilder().setSqlCommandResult(
              ExecutePlanResponse.SqlCommandResult.newBuilder().setRelation(input)));
          return null;
        }
        return start(s, opId, STATEMENT, plan, null, text);
      }
      case CREATE_DATAFRAME_VIEW -> {
        createView(s, c.getCreateDataframeView());
        answer(s, opId, obs, null);
        return null;
      }
      case ML_COMMAND -> {
        var ml = c.getMlCommand();
        if (ml.hasCleanCache() || ml.hasGetCacheInfo()) {
          answer(s, opId, obs, null); // nothing is cached here
          return null;
        }
        throw SparkError.unsupported("the ML command " + ml.getCommandCase().name().toLowerCase());
      }
      default -> throw SparkError.unsupported("the command " + c.getCommandTypeCase().name().toLowerCase());
    }
  }

  private static Relation sqlInput(SqlCommand c) {
    if (c.hasInput()) {
      return c.getInput();
    }
    return Relation.newBuilder().setSql(SQL.newBuilder().setQuery(c.getSql()).putAllArgs(c.getArgsMap())
        .addAllPosArgs(c.getPosArgsList()).putAllNamedArguments(c.getNamedArgumentsMap())
        .addAllPosArguments(c.getPosArgumentsList())).build();
  }

  private static boolean isQuery(Session s, String sql) {
    try {
      s.engine().check(sql, dev.baton.driver.engine.SqlSandbox.Use.QUERY);
      return true;
    } catch (StatusRuntimeException | java.sql.SQLException notAQuery) {
      return false;
    }
  }

  private void createView(Session s, CreateDataFrameViewCommand v) throws Exception {
    if (v.getIsGlobal()) {
      throw SparkError.unsupported("global temporary views");
    }
    String sql;
    s.engineLock().lock();
    try {
      sql = new SparkRelations(new SessionSparkEngine(s.engine())).compile(v.getInput());
      dev.baton.proto.v1.Plan plan = dev.baton.proto.v1.Plan.newBuilder().setRoot(dev.baton.proto.v1.Relation
          .newBuilder().setSql(dev.baton.proto.v1.Sql.newBuilder().setQuery(sql))).build();
      boolean exists = s.views().stream().anyMatch(d -> d.getName().equalsIgnoreCase(v.getName()));
      boolean same = s.views().stream().anyMatch(d -> d.getName().equalsIgnoreCase(v.getName())
          && d.getPlan().equals(plan));
      if (exists && !v.getReplace() && !same) {
        throw SparkError.analysis("TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", "cannot create the temporary "
            + "view `" + v.getName() + "` because it already exists");
      }
      s.createView(v.getName(), plan, true);
    } finally {
      s.engineLock().unlock();
    }
  }

  /** Answers a command at once: its result (if any), then the completion. */
  private static void answer(Session s, String opId, ServerCallStreamObserver<ExecutePlanResponse> obs,
      ExecutePlanResponse.Builder result) {
    if (result != null) {
      obs.onNext(common(s, opId, result).setResponseId(UUID.randomUUID().toString()).build());
    }
    obs.onNext(common(s, opId, ExecutePlanResponse.newBuilder()
        .setResultComplete(ExecutePlanResponse.ResultComplete.getDefaultInstance()))
        .setResponseId(UUID.randomUUID().toString()).build());
    obs.onCompleted();
  }

  private static ExecutePlanResponse.Builder common(Session s, String opId, ExecutePlanResponse.Builder b) {
    return b.setSessionId(s.id()).setServerSideSessionId(s.spark().serverSideSessionId()).setOperationId(opId);
  }

  /** Streams an operation's responses in Spark's shape; response ids are the Baton indices. */
  private void stream(Session s, Operation op, ServerCallStreamObserver<ExecutePlanResponse> obs, long after,
      boolean reattachable) {
    boolean statement = op.planFingerprint().startsWith(STATEMENT);
    String serverSide = s.spark().serverSideSessionId();
    ResponseStreamer<ExecutePlanResponse> streamer = new ResponseStreamer<>(op, obs, after, r -> {
      ExecutePlanResponse.Builder b = ExecutePlanResponse.newBuilder().setSessionId(s.id())
          .setServerSideSessionId(serverSide).setOperationId(op.id()).setResponseId(Long.toString(r.getIndex()));
      switch (r.getPayloadCase()) {
        case BATCH -> {
          if (statement) {
            b.setSqlCommandResult(ExecutePlanResponse.SqlCommandResult.newBuilder().setRelation(Relation.newBuilder()
                .setLocalRelation(LocalRelation.newBuilder().setData(r.getBatch().getData()))));
          } else {
            b.setArrowBatch(ExecutePlanResponse.ArrowBatch.newBuilder().setRowCount(r.getBatch().getRowCount())
                .setData(r.getBatch().getData()));
          }
        }
        case COMPLETE -> b.setResultComplete(ExecutePlanResponse.ResultComplete.getDefaultInstance());
        default -> {
          return null; // schema (in every batch) and progress have no counterpart
        }
      }
      return b.build();
    });
    if (!reattachable) {
      // Nobody will release it: the results go once they have been sent, and the operation stops
      // and goes when its only reader leaves or it fails (a stuck producer would hold the session).
      Runnable letGo = () -> {
        op.releaseAll(Operation.StopReason.RELEASED);
        s.forgetOperation(op.id());
      };
      streamer.onSuccess(letGo).onAbandoned(letGo);
    }
    streamer.start();
  }

  @Override
  public void reattachExecute(ReattachExecuteRequest req, StreamObserver<ExecutePlanResponse> obs) {
    try {
      Session s = session(req.getSessionId(), req.getUserContext(), observed(
          req.hasClientObservedServerSideSessionId(), req.getClientObservedServerSideSessionId()));
      Operation op;
      try (Session.Admission admitted = s.admit()) {
        op = operation(s, req.getOperationId());
      }
      long after = req.hasLastResponseId() ? index(req.getLastResponseId()) : -1;
      stream(s, op, (ServerCallStreamObserver<ExecutePlanResponse>) obs, after, true);
    } catch (Throwable t) {
      obs.onError(SparkErrors.toError(t));
    }
  }

  /**
   * The session's operation, or Spark's OPERATION_NOT_FOUND: the client then sends its
   * ExecutePlan again when it has received nothing of it yet.
   */
  private static Operation operation(Session s, String opId) {
    try {
      return s.operation(opId);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new SparkError(Status.Code.NOT_FOUND, SparkError.SPARK, "INVALID_HANDLE.OPERATION_NOT_FOUND", "HY000",
            "operation " + opId + " is not known to this session (never started here, or released)",
            Map.of("handle", opId));
      }
      throw e;
    }
  }

  private static long index(String responseId) {
    try {
      return Long.parseLong(responseId);
    } catch (NumberFormatException e) {
      throw SparkError.invalidPlan("response id '" + responseId + "' was not sent by this session");
    }
  }

  @Override
  public void releaseExecute(ReleaseExecuteRequest req, StreamObserver<ReleaseExecuteResponse> obs) {
    unary(obs, req.getSessionId(), req.getUserContext(), observed(req.hasClientObservedServerSideSessionId(),
        req.getClientObservedServerSideSessionId()), s -> {
          Operation op = null;
          try {
            op = s.operation(req.getOperationId());
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
              throw e;
            }
          }
          if (op != null) {
            if (req.hasReleaseUntil()) {
              op.release(index(req.getReleaseUntil().getResponseId()));
            } else {
              op.releaseAll(Operation.StopReason.RELEASED);
              s.forgetOperation(op.id());
            }
          }
          return ReleaseExecuteResponse.newBuilder().setSessionId(s.id())
              .setServerSideSessionId(s.spark().serverSideSessionId()).setOperationId(req.getOperationId()).build();
        });
  }

  @Override
  public void interrupt(InterruptRequest req, StreamObserver<InterruptResponse> obs) {
    unary(obs, req.getSessionId(), req.getUserContext(), observed(req.hasClientObservedServerSideSessionId(),
        req.getClientObservedServerSideSessionId()), s -> {
          List<String> ids = new ArrayList<>();
          for (Operation op : s.operations()) {
            boolean match = switch (req.getInterruptType()) {
              case INTERRUPT_TYPE_ALL -> true;
              case INTERRUPT_TYPE_OPERATION_ID -> op.id().equals(req.getOperationId());
              case INTERRUPT_TYPE_TAG -> throw SparkError.unsupported("interrupting by tag");
              default -> throw SparkError.invalidPlan("an interrupt with no type");
            };
            if (match && !op.isFinished()) {
              op.stop(Operation.StopReason.INTERRUPTED);
              ids.add(op.id());
            }
          }
          return InterruptResponse.newBuilder().setSessionId(s.id())
              .setServerSideSessionId(s.spark().serverSideSessionId()).addAllInterruptedIds(ids).build();
        });
  }

  @Override
  public void releaseSession(ReleaseSessionRequest req, StreamObserver<ReleaseSessionResponse> obs) {
    unary(obs, req.getSessionId(), req.getUserContext(), null, s -> {
      String serverSide = s.spark().serverSideSessionId();
      registry.close(s);
      LOG.info("spark session released session={}", s.id());
      return ReleaseSessionResponse.newBuilder().setSessionId(s.id()).setServerSideSessionId(serverSide).build();
    });
  }

  @Override
  public void fetchErrorDetails(FetchErrorDetailsRequest req, StreamObserver<FetchErrorDetailsResponse> obs) {
    // Errors carry everything in their status; nothing further is kept to fetch.
    unary(obs, req.getSessionId(), req.getUserContext(), null, s -> FetchErrorDetailsResponse.newBuilder()
        .setSessionId(s.id()).setServerSideSessionId(s.spark().serverSideSessionId()).build());
  }

  @Override
  public void analyzePlan(AnalyzePlanRequest req, StreamObserver<AnalyzePlanResponse> obs) {
    unary(obs, req.getSessionId(), req.getUserContext(), observed(req.hasClientObservedServerSideSessionId(),
        req.getClientObservedServerSideSessionId()), s -> {
          AnalyzePlanResponse.Builder out = AnalyzePlanResponse.newBuilder().setSessionId(s.id())
              .setServerSideSessionId(s.spark().serverSideSessionId());
          s.engineLock().lockInterruptibly();
          try {
            SparkAnalysis analysis = new SparkAnalysis(s.engine(), sparkVersion);
            analysis.analyze(req, out);
          } finally {
            s.engineLock().unlock();
          }
          return out.build();
        });
  }

  @Override
  public StreamObserver<AddArtifactsRequest> addArtifacts(StreamObserver<AddArtifactsResponse> obs) {
    obs.onError(SparkErrors.build(SparkError.unsupported("adding artifacts (UDF code, jars, files)")));
    return new StreamObserver<>() {
      @Override
      public void onNext(AddArtifactsRequest value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public void artifactStatus(ArtifactStatusesRequest req, StreamObserver<ArtifactStatusesResponse> obs) {
    obs.onError(SparkErrors.build(SparkError.unsupported("artifacts")));
  }

  /** SHA-256 of the bytes, hex. */
  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

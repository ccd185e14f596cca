package dev.baton.spark;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.CloseSessionRequest;
import dev.baton.proto.v1.CloseSessionResponse;
import dev.baton.proto.v1.ConfigResponse;
import dev.baton.proto.v1.CreateViewRequest;
import dev.baton.proto.v1.CreateViewResponse;
import dev.baton.proto.v1.GetConfigRequest;
import dev.baton.proto.v1.Headers;
import dev.baton.proto.v1.OpenSessionRequest;
import dev.baton.proto.v1.OpenSessionResponse;
import dev.baton.proto.v1.SparkReplayStep;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SqlCommand;

/**
 * The part of baton.v1's session API the operator uses for declared sessions, on a Spark driver's
 * control port: open a session (its id, principal and Spark config), give it its declared views,
 * check who owns it, close it. Clients use the session through Spark Connect itself; the other
 * methods answer UNIMPLEMENTED.
 */
final class PluginSessionService extends dev.baton.proto.v1.SessionServiceGrpc.SessionServiceImplBase {
  private static final Context.Key<String> PRINCIPAL = Context.key("baton-principal");

  private final PluginRuntime runtime;

  PluginSessionService(PluginRuntime runtime) {
    this.runtime = runtime;
  }

  /** Reads the caller's principal ({@code baton-principal}) into the call's context. */
  static ServerInterceptor principals() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, headers.get(Headers.PRINCIPAL)), call,
            headers, next);
      }
    };
  }

  private static String principal() {
    String p = PRINCIPAL.get();
    if (p == null || p.isEmpty()) {
      throw new IllegalArgumentException("the baton-principal header is required: it is the session's Spark user id");
    }
    return p;
  }

  @Override
  public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> obs) {
    ControlService.unary(obs, () -> {
      String principal = principal();
      TrackedSession s = runtime.open(req.getSessionId(), principal, configSteps(req.getConfigMap()), List.of());
      return OpenSessionResponse.newBuilder().setSessionId(s.sessionId()).setDriverVersion(runtime.settings().version())
          .setDriverRevision(runtime.settings().revision()).build();
    });
  }

  @Override
  public void getConfig(GetConfigRequest req, StreamObserver<ConfigResponse> obs) {
    ControlService.unary(obs, () -> {
      owned(req.getSessionId());
      return ConfigResponse.newBuilder().setSessionId(req.getSessionId()).build();
    });
  }

  @Override
  public void createView(CreateViewRequest req, StreamObserver<CreateViewResponse> obs) {
    ControlService.unary(obs, () -> {
      TrackedSession s = owned(req.getSessionId());
      if (!req.getPlan().getRoot().hasSql() || !req.getName().matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
        throw new IllegalArgumentException("a Spark driver takes a declared view as a name of letters, digits and _ "
            + "and a SQL query");
      }
      String sql = "CREATE " + (req.getReplace() ? "OR REPLACE " : "") + "TEMP VIEW `" + req.getName() + "` AS "
          + req.getPlan().getRoot().getSql().getQuery();
      Plan plan = Plan.newBuilder().setCommand(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder()
          .setInput(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(sql))))).build();
      int before = s.journal().notMoved().size();
      runtime.replayer().replay(s, List.of(SparkReplayStep.newBuilder()
          .setCommandPlan(ByteString.copyFrom(plan.toByteArray())).setSummary("declared view " + req.getName()).build()));
      if (s.journal().notMoved().size() > before) {
        throw new IllegalArgumentException(s.journal().notMoved().get(s.journal().notMoved().size() - 1));
      }
      return CreateViewResponse.getDefaultInstance();
    });
  }

  @Override
  public void closeSession(CloseSessionRequest req, StreamObserver<CloseSessionResponse> obs) {
    ControlService.unary(obs, () -> {
      TrackedSession s = owned(req.getSessionId());
      runtime.replayer().close(s);
      runtime.sessions().remove(s);
      return CloseSessionResponse.getDefaultInstance();
    });
  }

  private TrackedSession owned(String sessionId) {
    TrackedSession s = runtime.sessions().get(sessionId)
        .filter(x -> x.state() != TrackedSession.MoveState.RELEASED)
        .orElseThrow(() -> dev.baton.proto.v1.MoveStatus.sessionNotFound(sessionId));
    if (!s.userId().equals(principal())) {
      throw Status.PERMISSION_DENIED.withDescription("session " + sessionId + " belongs to another principal")
          .asRuntimeException();
    }
    return s;
  }

  /** Spark config keys as Set steps, in key order. */
  static List<SparkReplayStep> configSteps(Map<String, String> config) {
    return new TreeMap<>(config).entrySet().stream().map(e -> SparkReplayStep.newBuilder()
        .setConfigOperation(ByteString.copyFrom(ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set
            .newBuilder().addPairs(KeyValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()))).build()
            .toByteArray()))
        .setSummary("SET " + e.getKey()).build()).toList();
  }
}

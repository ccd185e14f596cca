package dev.baton.spark;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.MoveStatus;
import io.grpc.Status;
import java.time.Clock;
import org.apache.spark.connect.proto.AddArtifactsRequest;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.Catalog;
import org.apache.spark.connect.proto.CloneSessionRequest;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.DropTempView;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.FetchErrorDetailsRequest;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.InterruptResponse;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.ReleaseExecuteRequest;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.sparkproject.connect.protobuf.Descriptors.FieldDescriptor;
import org.sparkproject.connect.protobuf.Message;

/**
 * Follows one Spark Connect call: finds its session, refuses it while the session is moving or
 * has moved, keeps the server-side session id the client sees stable, and records what the call
 * changed once it succeeded. Knows nothing of gRPC transport; {@link BatonConnectInterceptor}
 * feeds it the call's messages and outcome.
 *
 * <p>Operations: a non-reattachable execution ends with its call; a reattachable one ends with
 * ResultComplete, its release, an interrupt that names it, or when no call has been attached to
 * it for a while (its client gave up on it, and Spark drops it too).
 */
final class CallTracker {
  private static final long RETRY_MILLIS = 200;

  private final SessionTable sessions;
  private final PlanEffects effects;
  private final boolean internal;
  private final Clock clock;
  private final boolean artifactsAllowed;
  private TrackedSession session;
  /** The key of the operation this call is attached to (its id, or a stand-in until the server names it). */
  private String operationKey;
  private boolean reattachable;
  /** The operation this call's ExecutePlan registered (null for other calls, or a re-sent ExecutePlan). */
  private TrackedSession.RunningOperation started;
  private boolean countsAsChange;
  private boolean ended;
  /** Applied when the call ends OK. */
  private Runnable onSuccess = () -> { };

  /** {@code internal}: a call the plugin makes itself (a replay), served whatever the session's state. */
  CallTracker(SessionTable sessions, PlanEffects effects, boolean internal, Clock clock) {
    this(sessions, effects, internal, clock, true);
  }

  /** {@code artifactsAllowed}: whether AddArtifacts is served (else PERMISSION_DENIED, the pool's choice). */
  CallTracker(SessionTable sessions, PlanEffects effects, boolean internal, Clock clock, boolean artifactsAllowed) {
    this.sessions = sessions;
    this.effects = effects;
    this.internal = internal;
    this.clock = clock;
    this.artifactsAllowed = artifactsAllowed;
  }

  /**
   * A request of the call: the request to pass to Spark (possibly with the client-observed
   * server-side id translated), or a StatusRuntimeException to answer instead.
   */
  Object onRequest(Object request) {
    if (!(request instanceof Message m)) {
      return request;
    }
    if (session != null) {
      return translateObserved(m); // a later message of a client-streaming call
    }
    String sessionId = stringField(m, "session_id");
    String userId = userId(m);
    if (sessionId == null || sessionId.isEmpty() || userId == null) {
      return request; // Spark answers a call without a session itself
    }
    TrackedSession s = sessions.forCall(sessionId, userId, internal);
    if (m instanceof CloneSessionRequest) {
      throw Status.FAILED_PRECONDITION.withDescription("cloning a session is not supported by Baton's Spark "
          + "drivers: the clone's state could not move with it").asRuntimeException();
    }
    if (m instanceof AddArtifactsRequest && !artifactsAllowed) {
      throw Status.PERMISSION_DENIED.withDescription("this pool refuses uploaded artifacts "
          + "(spec.driver.spark.artifacts: Refused)").asRuntimeException();
    }
    TrackedSession.RunningOperation operation = track(m);
    // An operation that started here finishes here: its reattach, release and interrupt are
    // served while the session moves; so are error details.
    String continues = m instanceof ReattachExecuteRequest r ? r.getOperationId()
        : m instanceof ReleaseExecuteRequest r ? r.getOperationId()
        : m instanceof InterruptRequest r ? r.getOperationId() : null;
    TrackedSession.MoveState refused = s.admit(internal || m instanceof FetchErrorDetailsRequest, continues,
        operationKey, operation, countsAsChange);
    if (refused != null) {
      throw refused == TrackedSession.MoveState.FROZEN ? MoveStatus.moving(sessionId, RETRY_MILLIS)
          : MoveStatus.moved(sessionId, s.movedTo(), RETRY_MILLIS);
    }
    session = s;
    if (operation != null && s.registered(operationKey, operation)) {
      started = operation;
    }
    if (operationKey != null && (started != null || m instanceof ReattachExecuteRequest)) {
      s.attach(operationKey);
    } else {
      operationKey = null; // a re-sent ExecutePlan Spark will refuse: not this call's operation
    }
    return translateObserved(m);
  }

  /** What the request will change; the operation an ExecutePlan starts, else null. */
  private TrackedSession.RunningOperation track(Message m) {
    if (m instanceof ExecutePlanRequest r) {
      reattachable = r.getRequestOptionsList().stream()
          .anyMatch(o -> o.hasReattachOptions() && o.getReattachOptions().getReattachable());
      Effect effect = effects.of(r.getPlan());
      operationKey = r.getOperationId().isEmpty() ? "call-" + System.identityHashCode(this) : r.getOperationId();
      return new TrackedSession.RunningOperation(replayPlan(r.getPlan(), effect), effect);
    }
    if (m instanceof ReattachExecuteRequest r) {
      reattachable = true;
      operationKey = r.getOperationId();
    } else if (m instanceof ReleaseExecuteRequest r && r.hasReleaseAll()) {
      String op = r.getOperationId();
      onSuccess = () -> session.end(op);
    } else if (m instanceof ConfigRequest r && (r.getOperation().hasSet() || r.getOperation().hasUnset())) {
      ConfigRequest.Operation op = r.getOperation();
      countsAsChange = true;
      onSuccess = () -> recordConfig(op);
    } else if (m instanceof AnalyzePlanRequest r && r.hasPersist()) {
      countsAsChange = true;
      onSuccess = () -> session.journal().notMovable("cached DataFrame (persist)");
    } else if (m instanceof AddArtifactsRequest) {
      countsAsChange = true;
      onSuccess = () -> session.journal().notMovable("uploaded artifacts (jars, files, Python packages)");
    } else if (m instanceof ReleaseSessionRequest) {
      onSuccess = () -> {
        // A moved session's own copy being closed here keeps its tombstone.
        if (session.state() == TrackedSession.MoveState.ACTIVE) {
          sessions.remove(session);
        }
      };
    }
    return null;
  }

  /**
   * What a move replays for a plan: the plan itself, except that a dropped temp view is dropped
   * by name through the catalog (never by SQL text, which might name a catalog view elsewhere).
   */
  private static ByteString replayPlan(Plan plan, Effect effect) {
    Plan replayed = effect.kind() != Effect.Kind.DROP_TEMP_VIEW ? plan
        : Plan.newBuilder().setRoot(Relation.newBuilder().setCatalog(Catalog.newBuilder()
            .setDropTempView(DropTempView.newBuilder().setViewName(effect.name())))).build();
    return ByteString.copyFrom(replayed.toByteArray());
  }

  private void recordConfig(ConfigRequest.Operation op) {
    if (op.hasSet()) {
      for (KeyValue kv : op.getSet().getPairsList()) {
        ConfigRequest.Operation one = ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set.newBuilder()
            .addPairs(kv).setSilent(op.getSet().getSilent())).build();
        session.journal().config(kv.getKey(), ByteString.copyFrom(one.toByteArray()), "SET " + kv.getKey());
      }
    } else if (op.hasUnset()) {
      for (String key : op.getUnset().getKeysList()) {
        ConfigRequest.Operation one = ConfigRequest.Operation.newBuilder()
            .setUnset(ConfigRequest.Unset.newBuilder().addKeys(key)).build();
        session.journal().config(key, ByteString.copyFrom(one.toByteArray()), "UNSET " + key);
      }
    }
  }

  /** A response of the call, with the server-side session id the client must see. */
  Object onResponse(Object response) {
    if (session == null || !(response instanceof Message m)) {
      return response;
    }
    if (m instanceof ExecutePlanResponse r) {
      if (started != null && !r.getOperationId().isEmpty() && !r.getOperationId().equals(operationKey)) {
        session.rename(operationKey, r.getOperationId());
        operationKey = r.getOperationId();
      }
      if (r.hasResultComplete()) {
        session.complete(r.getOperationId());
      }
    } else if (m instanceof InterruptResponse r) {
      r.getInterruptedIdsList().forEach(session::end);
    }
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("server_side_session_id");
    if (f == null || f.getType() != FieldDescriptor.Type.STRING) {
      return response;
    }
    String local = (String) m.getField(f);
    String seen = session.serverAnswered(local);
    return seen == null || seen.equals(local) ? response : m.toBuilder().setField(f, seen).build();
  }

  /**
   * The call ended (once; later reports are ignored): with {@code ok}, or with an error or a
   * cancel, as the server closed it or the client went away.
   */
  void onEnd(boolean ok) {
    if (ended || session == null) {
      return;
    }
    ended = true;
    if (ok) {
      onSuccess.run();
    }
    if (countsAsChange) {
      session.changeDone();
    }
    if (operationKey != null) {
      if (!reattachable && started != null) {
        // Only a reattachable execution ends with ResultComplete; another's stream ending OK is its
        // end, and it dies with its call otherwise.
        if (ok) {
          session.complete(operationKey);
        } else {
          session.end(operationKey);
        }
      } else {
        session.detach(operationKey, clock.instant());
      }
    }
  }

  private Object translateObserved(Message m) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("client_observed_server_side_session_id");
    if (f == null || !m.hasField(f)) {
      return m;
    }
    String observed = (String) m.getField(f);
    String local = session.clientObserved(observed);
    if (local.equals(observed)) {
      return m;
    }
    return local.isEmpty() ? m.toBuilder().clearField(f).build() : m.toBuilder().setField(f, local).build();
  }

  static String stringField(Message m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    return f == null || f.getType() != FieldDescriptor.Type.STRING ? null : (String) m.getField(f);
  }

  static String userId(Message m) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("user_context");
    if (f == null || f.getType() != FieldDescriptor.Type.MESSAGE) {
      return null;
    }
    return stringField((Message) m.getField(f), "user_id");
  }
}

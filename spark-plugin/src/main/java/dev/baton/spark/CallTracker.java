package dev.baton.spark;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.MoveStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import org.apache.spark.connect.proto.AddArtifactsRequest;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.CloneSessionRequest;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.FetchErrorDetailsRequest;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteRequest;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.sparkproject.connect.protobuf.Descriptors.FieldDescriptor;
import org.sparkproject.connect.protobuf.Message;

/**
 * Follows one Spark Connect call: finds its session, refuses it while the session is moving or
 * has moved, keeps the server-side session id the client sees stable, and records what the call
 * changed once it succeeded. Knows nothing of gRPC transport; {@link BatonConnectInterceptor}
 * feeds it the call's messages and outcome.
 */
final class CallTracker {
  private static final long RETRY_MILLIS = 200;

  private final SessionTable sessions;
  private final PlanEffects effects;
  private TrackedSession session;
  /** The operation an ExecutePlan or ReattachExecute call is for. */
  private String operationId = "";
  private boolean executes;
  private boolean reattachable;
  private TrackedSession.RunningOperation starting;
  /** The key the operation this call started is registered under (its id once known). */
  private String startingKey;
  private boolean countsAsChange;
  private final boolean internal;
  /** Applied when the call ends OK. */
  private Runnable onSuccess = () -> { };

  /** {@code internal}: a call the plugin makes itself (a replay), served whatever the session's state. */
  CallTracker(SessionTable sessions, PlanEffects effects, boolean internal) {
    this.sessions = sessions;
    this.effects = effects;
    this.internal = internal;
  }

  /**
   * A request of the call: the request to pass to Spark (possibly with the client-observed
   * server-side id translated), or a StatusRuntimeException to answer instead.
   */
  Object onRequest(Object request) {
    if (!(request instanceof Message m)) {
      return request;
    }
    String sessionId = stringField(m, "session_id");
    String userId = userId(m);
    if (sessionId == null || sessionId.isEmpty() || userId == null) {
      return request; // Spark answers a call without a session itself
    }
    if (session != null) {
      return translateObserved(m); // a later message of a client-streaming call
    }
    Optional<TrackedSession> found = sessions.forCall(sessionId, userId);
    if (found.isEmpty()) {
      throw Status.PERMISSION_DENIED.withDescription("session " + sessionId + " belongs to another user on this "
          + "driver").asRuntimeException();
    }
    session = found.get();
    if (m instanceof CloneSessionRequest) {
      throw Status.FAILED_PRECONDITION.withDescription("cloning a session is not supported by Baton's Spark "
          + "drivers: the clone's state could not move with it").asRuntimeException();
    }
    track(m);
    // An operation that started here finishes here: its reattach, release and interrupt are
    // served while the session moves; so are error details.
    String continues = m instanceof ReattachExecuteRequest r ? r.getOperationId()
        : m instanceof ReleaseExecuteRequest r ? r.getOperationId()
        : m instanceof InterruptRequest r ? r.getOperationId() : null;
    String key = operationId.isEmpty() ? "call-" + System.identityHashCode(this) : operationId;
    TrackedSession.MoveState refused = session.admit(internal || m instanceof FetchErrorDetailsRequest,
        continues, key, starting, countsAsChange);
    if (refused != null) {
      session = null; // nothing of this call is tracked
      throw refused == TrackedSession.MoveState.FROZEN ? MoveStatus.moving(sessionId, RETRY_MILLIS)
          : MoveStatus.moved(sessionId, found.get().movedTo(), RETRY_MILLIS);
    }
    if (starting != null) {
      startingKey = key;
    }
    return translateObserved(m);
  }

  private void track(Message m) {
    if (m instanceof ExecutePlanRequest r) {
      executes = true;
      reattachable = r.getRequestOptionsList().stream()
          .anyMatch(o -> o.hasReattachOptions() && o.getReattachOptions().getReattachable());
      Effect effect = effects.of(r.getPlan());
      starting = new TrackedSession.RunningOperation(ByteString.copyFrom(r.getPlan().toByteArray()), effect);
      operationId = r.getOperationId();
    } else if (m instanceof ReattachExecuteRequest r) {
      executes = true;
      reattachable = true;
      operationId = r.getOperationId();
    } else if (m instanceof ReleaseExecuteRequest r && r.hasReleaseAll()) {
      String op = r.getOperationId();
      onSuccess = () -> session.running().remove(op);
    } else if (m instanceof InterruptRequest r) {
      onSuccess = () -> {
        switch (r.getInterruptType()) {
          case INTERRUPT_TYPE_ALL -> session.running().clear();
          case INTERRUPT_TYPE_OPERATION_ID -> session.running().remove(r.getOperationId());
          default -> { } // by tag: the operations end with an error on their own streams
        }
      };
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

  /** The server named the operation (its request did not): re-key it. */
  private void named(String op) {
    TrackedSession.RunningOperation o = session.running().remove(startingKey);
    if (o != null) {
      session.running().put(op, o);
    }
    operationId = op;
    startingKey = op;
  }

  /** A response of the call, with the server-side session id the client must see. */
  Object onResponse(Object response) {
    if (session == null || !(response instanceof Message m)) {
      return response;
    }
    if (m instanceof ExecutePlanResponse r) {
      if (operationId.isEmpty() && startingKey != null && !r.getOperationId().isEmpty()) {
        named(r.getOperationId());
      }
      if (r.hasResultComplete()) {
        completed(r.getOperationId());
      }
    }
    FieldDescriptor f = m.getDescriptorForType().findFieldByName("server_side_session_id");
    if (f == null || f.getType() != FieldDescriptor.Type.STRING) {
      return response;
    }
    String local = (String) m.getField(f);
    String seen = session.serverAnswered(local);
    return seen == null || seen.equals(local) ? response : m.toBuilder().setField(f, seen).build();
  }

  /** The operation finished: what it changed is recorded. */
  private void completed(String op) {
    TrackedSession.RunningOperation done = session.running().remove(op);
    if (done != null) {
      session.journal().command(done.plan(), done.effect());
    }
  }

  /** The call ended: with {@code ok}, or with an error; {@code cancelled} when the client went away. */
  void onClose(boolean ok, boolean cancelled) {
    if (session == null) {
      return;
    }
    if (ok) {
      onSuccess.run();
    }
    if (countsAsChange) {
      session.changeDone();
    }
    String op = operationId.isEmpty() ? startingKey : operationId;
    if (executes && op != null) {
      if (ok && !reattachable) {
        // Only a reattachable execution ends with ResultComplete; another's stream ending OK is its end.
        completed(op);
      } else if (!ok && !(cancelled && reattachable)) {
        // The operation failed (or, not reattachable, died with its call): it changed nothing.
        session.running().remove(op);
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

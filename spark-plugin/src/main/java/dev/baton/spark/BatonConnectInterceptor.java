package dev.baton.spark;

import dev.baton.proto.v1.Headers;
import org.sparkproject.connect.grpc.ForwardingServerCall;
import org.sparkproject.connect.grpc.ForwardingServerCallListener;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;

/**
 * What a Spark Connect server loads (named in {@code spark.connect.grpc.interceptor.classes}) to
 * be a Baton driver. It sees every call of every session: it lets in only callers holding the
 * pool's session token (the gateway and the operator) when the driver was given one, and hands
 * each call to a {@link CallTracker}. Spark's gRPC is shaded into {@code org.sparkproject.connect};
 * this class is the only one that speaks it on the server side.
 */
public final class BatonConnectInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> SESSION_TOKEN =
      Metadata.Key.of(Headers.SESSION_TOKEN.name(), Metadata.ASCII_STRING_MARSHALLER);

  /** Marks the plugin's own calls (replays), with a secret that lives only in this process. */
  static final Metadata.Key<String> INTERNAL_CALL = Metadata.Key.of("baton-plugin-call", Metadata.ASCII_STRING_MARSHALLER);

  private final PluginRuntime runtime;

  /** Called by Spark's interceptor registry; starts the plugin's control server once. */
  public BatonConnectInterceptor() {
    this(PluginRuntime.start());
  }

  BatonConnectInterceptor(PluginRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    boolean internal = runtime.isInternalCall(headers.get(INTERNAL_CALL));
    if (!internal && runtime.tokens().sessionRequired()
        && !runtime.tokens().acceptsSession(headers.get(SESSION_TOKEN))) {
      call.close(Status.UNAUTHENTICATED.withDescription("this Spark driver serves only its pool's gateway and the "
          + "operator; connect to the pool's address"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    CallTracker tracker = runtime.newTracker(internal);
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    ServerCall<Q, R> tracked = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      @SuppressWarnings("unchecked")
      public void sendMessage(R message) {
        super.sendMessage((R) tracker.onResponse(message));
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (!closed.compareAndSet(false, true)) {
          return; // refused by the plugin already; Spark's handler closes it again as it cleans up
        }
        tracker.onEnd(status.isOk());
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> delegate = next.startCall(tracked, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        Object passed;
        try {
          passed = tracker.onRequest(message);
        } catch (io.grpc.StatusRuntimeException e) {
          // Answered here, never run. Spark's handler hears a cancel (once), so what it set up
          // for the call (an artifact upload's staging directory) is cleaned up.
          refused = true;
          if (closed.compareAndSet(false, true)) {
            call.close(ShadedStatus.status(e), ShadedStatus.trailers(e));
          }
          super.onCancel();
          return;
        }
        super.onMessage((Q) passed);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }

      @Override
      public void onCancel() {
        // The client went away (Spark may never close such a call): what it held ends now.
        tracker.onEnd(false);
        if (!refused) {
          super.onCancel();
        }
      }

      @Override
      public void onComplete() {
        if (!refused) {
          super.onComplete();
        }
      }
    };
  }
}

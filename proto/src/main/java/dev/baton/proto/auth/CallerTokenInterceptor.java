package dev.baton.proto.auth;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.Predicate;

/**
 * Serves only calls that carry one of the pool's shared tokens, each in its own header:
 * {@code baton-control-token} opens {@code DriverControl} and is held by the operator alone;
 * {@code baton-session-token} opens the session API and is held by the pool's gateway (and the
 * operator, which opens declared sessions). A gateway's credential therefore cannot export,
 * import or drain, and clients cannot bypass the gateway by dialling a driver's pod address.
 * Health checks are behind neither: the kubelet probes them. Which tokens are accepted can change
 * while the driver runs ({@link DriverTokens}), for a rotation.
 */
public final class CallerTokenInterceptor implements ServerInterceptor {
  public static final Metadata.Key<String> CONTROL_TOKEN =
      dev.baton.proto.v1.Headers.CONTROL_TOKEN;
  public static final Metadata.Key<String> SESSION_TOKEN =
      dev.baton.proto.v1.Headers.SESSION_TOKEN;

  /** The control token the caller presented (read by SetTokens, which must not lock it out). */
  public static final io.grpc.Context.Key<String> PRESENTED_CONTROL_TOKEN = io.grpc.Context.key("baton-control-token");

  private final Metadata.Key<String> header;
  private final Predicate<String> accepts;
  private final String refusal;

  private CallerTokenInterceptor(Metadata.Key<String> header, Predicate<String> accepts, String refusal) {
    this.header = header;
    this.accepts = accepts;
    this.refusal = refusal;
  }

  /** Guards DriverControl: only the operator holds these tokens. */
  public static CallerTokenInterceptor control(DriverTokens tokens) {
    return new CallerTokenInterceptor(CONTROL_TOKEN, tokens::acceptsControl,
        "DriverControl serves only the operator (baton-control-token)");
  }

  /** Guards the session API: the pool's gateway and the operator hold these tokens. */
  public static CallerTokenInterceptor session(DriverTokens tokens) {
    return new CallerTokenInterceptor(SESSION_TOKEN, tokens::acceptsSession,
        "this driver serves only its pool's gateway and the operator; connect to the pool's address");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String presented = headers.get(header);
    if (!accepts.test(presented)) {
      call.close(Status.UNAUTHENTICATED.withDescription(refusal
          + (presented == null ? "" : " (the " + header.name() + " presented is wrong)")), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (header.equals(CONTROL_TOKEN)) {
      return Contexts.interceptCall(io.grpc.Context.current().withValue(PRESENTED_CONTROL_TOKEN, presented), call,
          headers, next);
    }
    return next.startCall(call, headers);
  }
}

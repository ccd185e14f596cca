package dev.baton.driver.service;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Serves only calls that carry one of the pool's shared tokens, each in its own header:
 * {@code baton-control-token} opens {@code DriverControl} and is held by the operator alone;
 * {@code baton-session-token} opens the session API and is held by the pool's gateway (and the
 * operator, which opens declared sessions). A gateway's credential therefore cannot export,
 * import or drain, and clients cannot bypass the gateway by dialling a driver's pod address.
 * Health checks are behind neither: the kubelet probes them.
 */
public final class CallerTokenInterceptor implements ServerInterceptor {
  public static final Metadata.Key<String> CONTROL_TOKEN =
      dev.baton.proto.v1.Headers.CONTROL_TOKEN;
  public static final Metadata.Key<String> SESSION_TOKEN =
      dev.baton.proto.v1.Headers.SESSION_TOKEN;

  private final Metadata.Key<String> header;
  private final byte[] expected;
  private final String refusal;

  private CallerTokenInterceptor(Metadata.Key<String> header, String token, String refusal) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException(header.name() + " is empty");
    }
    this.header = header;
    this.expected = token.getBytes(StandardCharsets.UTF_8);
    this.refusal = refusal;
  }

  /** Guards DriverControl: only the operator holds this token. */
  public static CallerTokenInterceptor control(String token) {
    return new CallerTokenInterceptor(CONTROL_TOKEN, token,
        "DriverControl serves only the operator (baton-control-token)");
  }

  /** Guards the session API: the pool's gateway and the operator hold this token. */
  public static CallerTokenInterceptor session(String token) {
    return new CallerTokenInterceptor(SESSION_TOKEN, token,
        "this driver serves only its pool's gateway and the operator; connect to the pool's address");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String presented = headers.get(header);
    // Constant-time comparison: the time taken must not tell how much of a guess was right.
    if (presented == null || !MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
      call.close(Status.UNAUTHENTICATED.withDescription(refusal
          + (presented == null ? "" : " (the " + header.name() + " presented is wrong)")), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}

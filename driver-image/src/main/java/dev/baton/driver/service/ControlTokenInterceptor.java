package dev.baton.driver.service;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Serves only calls that carry the pool's control token ({@code baton-control-token}), which
 * the operator puts in a per-pool Secret and gives to the pool's drivers, its gateway and
 * itself. Clients therefore cannot bypass the gateway's authentication by dialling a driver's
 * pod address. Health checks are not behind it: the kubelet probes them.
 */
public final class ControlTokenInterceptor implements ServerInterceptor {
  public static final Metadata.Key<String> CONTROL_TOKEN =
      Metadata.Key.of("baton-control-token", Metadata.ASCII_STRING_MARSHALLER);

  private final byte[] expected;

  public ControlTokenInterceptor(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("control token is empty");
    }
    this.expected = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String presented = headers.get(CONTROL_TOKEN);
    // Constant-time comparison: the time taken must not tell how much of a guess was right.
    if (presented == null || !MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
      call.close(Status.UNAUTHENTICATED.withDescription(
          "this driver serves only its pool's gateway and the operator; connect to the pool's address"
              + (presented == null ? "" : " (the control token presented is wrong)")), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}

package dev.baton.driver.service;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;

/**
 * Bounds every status message a call ends with. Messages may quote input (a function name, a
 * column, the engine's echo of a query); unbounded, a long name would overflow the client's
 * metadata limit and turn a clear INVALID_ARGUMENT into a transport error. The message travels
 * percent-encoded (up to 3 bytes per byte), so 2,000 bytes stay well under gRPC's 8 KiB default.
 */
public final class StatusMessageLimit implements ServerInterceptor {
  public static final int MAX_BYTES = 2000;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        super.close(bounded(status), trailers);
      }
    }, headers);
  }

  /** The status with its description cut to {@link #MAX_BYTES} UTF-8 bytes, saying so. */
  public static Status bounded(Status status) {
    String d = status.getDescription();
    if (d == null || d.length() * 3 <= MAX_BYTES) {
      return status;
    }
    byte[] utf8 = d.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_BYTES) {
      return status;
    }
    int keep = MAX_BYTES - 64;
    // Never cut inside a multi-byte character.
    while (keep > 0 && (utf8[keep] & 0xC0) == 0x80) {
      keep--;
    }
    String head = new String(utf8, 0, keep, StandardCharsets.UTF_8);
    return status.withDescription(head + "... (" + (utf8.length - keep) + " more bytes)");
  }
}

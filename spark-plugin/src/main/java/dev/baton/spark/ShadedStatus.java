package dev.baton.spark;

import io.grpc.protobuf.StatusProto;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.Status;

/**
 * A status built with the plugin's gRPC (Baton's documented errors, such as SESSION_MOVING) as
 * Spark's shaded gRPC sends it: same code and description, and the same {@code google.rpc.Status}
 * details in {@code grpc-status-details-bin}, so clients and the gateway read Baton's reasons.
 */
final class ShadedStatus {
  private static final Metadata.Key<byte[]> DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private ShadedStatus() {}

  static Status status(io.grpc.StatusRuntimeException e) {
    return Status.fromCodeValue(e.getStatus().getCode().value()).withDescription(e.getStatus().getDescription());
  }

  static Metadata trailers(io.grpc.StatusRuntimeException e) {
    Metadata m = new Metadata();
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details != null && details.getDetailsCount() > 0) {
      m.put(DETAILS, details.toByteArray());
    }
    return m;
  }
}

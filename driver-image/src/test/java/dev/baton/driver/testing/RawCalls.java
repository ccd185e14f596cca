package dev.baton.driver.testing;

import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Calls whose request is raw bytes, for sending a driver what no stub would. */
public final class RawCalls {
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** ExecutePlan with its request and responses as bytes. */
  public static final MethodDescriptor<byte[], byte[]> EXECUTE_PLAN =
      SessionServiceGrpc.getExecutePlanMethod().toBuilder(BYTES, BYTES).build();

  private RawCalls() {}
}

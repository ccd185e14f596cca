package dev.baton.client;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parses a response message from one array of its exact size, whose bytes fields (Arrow batches)
 * then refer to that array instead of being copied out of it. grpc's own marshaller parses from
 * a shared buffer, so it must copy every bytes field: a second copy of each batch.
 */
final class AliasingMarshaller<T extends com.google.protobuf.Message> implements MethodDescriptor.Marshaller<T> {
  private final MethodDescriptor.Marshaller<T> standard;
  private final Parser<T> parser;

  @SuppressWarnings("unchecked")
  AliasingMarshaller(T defaultInstance) {
    this.standard = ProtoUtils.marshaller(defaultInstance);
    this.parser = (Parser<T>) defaultInstance.getParserForType();
  }

  @Override
  public InputStream stream(T value) {
    return standard.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    try {
      byte[] bytes;
      if (stream instanceof KnownLength) {
        bytes = new byte[stream.available()];
        int read = stream.readNBytes(bytes, 0, bytes.length);
        if (read != bytes.length || stream.read() != -1) {
          throw new IOException("message size inaccurate: read " + read + " of " + bytes.length);
        }
      } else {
        bytes = stream.readAllBytes();
      }
      // Aliasing takes effect only on input protobuf knows to be immutable: a wrapped ByteString.
      CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      T message = parser.parseFrom(in);
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("invalid protobuf in a response").withCause(e).asRuntimeException();
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot read a response").withCause(e).asRuntimeException();
    }
  }
}

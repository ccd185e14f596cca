package dev.baton.driver.service;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.ToLongFunction;

/**
 * Decodes every request of a service before the service sees it, so bad bytes get a documented
 * code instead of gRPC's {@code UNKNOWN}: a request larger than its method's limit is
 * {@code RESOURCE_EXHAUSTED}, bytes that are not the method's message are
 * {@code INVALID_ARGUMENT}. Messages are parsed with a recursion limit above protobuf's default
 * of 100, so a plan is limited by the compiler's own depth check (which names the node), not by
 * the decoder.
 */
public final class RequestDecoding {
  /**
   * Message nesting allowed while decoding. A relation nests two messages per level and an
   * expression up to two, so the compiler's limit of 200 levels needs ~400; the rest is headroom.
   * Each level costs a few hundred bytes of stack, well inside a default thread stack.
   */
  static final int RECURSION_LIMIT = 1000;

  private RequestDecoding() {}

  /**
   * The service with its requests decoded here; {@code maxBytes} gives each method's request
   * size limit by its full name.
   */
  public static ServerServiceDefinition guard(ServerServiceDefinition service,
      ToLongFunction<String> maxBytes) {
    ServerServiceDefinition.Builder out =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      out.addMethod(guardMethod(method, maxBytes.applyAsLong(method.getMethodDescriptor().getFullMethodName())));
    }
    return out.build();
  }

  private static <Q, R> ServerMethodDefinition<InputStream, R> guardMethod(ServerMethodDefinition<Q, R> def,
      long maxBytes) {
    MethodDescriptor<Q, R> typed = def.getMethodDescriptor();
    Parser<Q> parser = parserOf(typed);
    MethodDescriptor<InputStream, R> raw = typed.toBuilder(RawMarshaller.INSTANCE, typed.getResponseMarshaller()).build();
    ServerCallHandler<InputStream, R> handler = (call, headers) -> {
      ServerCall.Listener<Q> inner = def.getServerCallHandler().startCall(new TypedCall<>(call, typed), headers);
      return new DecodingListener<>(call, inner, parser, maxBytes, typed.getFullMethodName());
    };
    return ServerMethodDefinition.create(raw, handler);
  }

  @SuppressWarnings("unchecked")
  private static <Q> Parser<Q> parserOf(MethodDescriptor<Q, ?> method) {
    if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof MessageLite prototype) {
      return (Parser<Q>) prototype.getParserForType();
    }
    throw new IllegalArgumentException(method.getFullMethodName() + " does not take a protobuf message");
  }

  /** Hands the request bytes through untouched; {@link DecodingListener} parses them. */
  private enum RawMarshaller implements MethodDescriptor.Marshaller<InputStream> {
    INSTANCE;

    @Override
    public InputStream stream(InputStream value) {
      return value;
    }

    @Override
    public InputStream parse(InputStream stream) {
      return stream;
    }
  }

  private static final class DecodingListener<Q> extends ServerCall.Listener<InputStream> {
    private final ServerCall<InputStream, ?> call;
    private final ServerCall.Listener<Q> inner;
    private final Parser<Q> parser;
    private final long maxBytes;
    private final String method;
    private boolean refused;

    DecodingListener(ServerCall<InputStream, ?> call, ServerCall.Listener<Q> inner, Parser<Q> parser,
        long maxBytes, String method) {
      this.call = call;
      this.inner = inner;
      this.parser = parser;
      this.maxBytes = maxBytes;
      this.method = method;
    }

    @Override
    public void onMessage(InputStream message) {
      if (refused) {
        return;
      }
      Q request;
      try (message) {
        byte[] bytes = message.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
          refuse(Status.RESOURCE_EXHAUSTED.withDescription(method + " request is larger than this driver's limit of "
              + maxBytes + " bytes"));
          return;
        }
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setRecursionLimit(RECURSION_LIMIT);
        request = parser.parseFrom(in);
      } catch (InvalidProtocolBufferException e) {
        refuse(Status.INVALID_ARGUMENT.withDescription(method + " request cannot be decoded: " + e.getMessage()));
        return;
      } catch (IOException e) {
        refuse(Status.INVALID_ARGUMENT.withDescription(method + " request cannot be read: " + e.getMessage()));
        return;
      }
      inner.onMessage(request);
    }

    private void refuse(Status status) {
      refused = true;
      call.close(status, new Metadata());
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        inner.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      inner.onCancel();
    }

    @Override
    public void onComplete() {
      inner.onComplete();
    }

    @Override
    public void onReady() {
      if (!refused) {
        inner.onReady();
      }
    }
  }

  /** The raw call seen by the typed service: same call, typed method descriptor. */
  private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
    private final ServerCall<InputStream, R> raw;
    private final MethodDescriptor<Q, R> method;

    TypedCall(ServerCall<InputStream, R> raw, MethodDescriptor<Q, R> method) {
      this.raw = raw;
      this.method = method;
    }

    @Override
    public void request(int numMessages) {
      raw.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      raw.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      raw.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return raw.isReady();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      raw.close(status, trailers);
    }

    @Override
    public boolean isCancelled() {
      return raw.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      raw.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      raw.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      raw.setOnReadyThreshold(numBytes);
    }

    @Override
    public Attributes getAttributes() {
      return raw.getAttributes();
    }

    @Override
    public String getAuthority() {
      return raw.getAuthority();
    }

    @Override
    public io.grpc.SecurityLevel getSecurityLevel() {
      return raw.getSecurityLevel();
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }
  }
}

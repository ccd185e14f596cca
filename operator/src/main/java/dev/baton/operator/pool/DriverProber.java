package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;

import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Talks to drivers (DriverControl, and SessionService for declared sessions); one channel per driver address, reused. */
public final class DriverProber implements AutoCloseable {
  private static final Metadata.Key<String> PRINCIPAL =
      dev.baton.proto.v1.Headers.PRINCIPAL;
  private static final int MAX_MESSAGE_BYTES = 512 << 20;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, java.util.Set<String>> livePerPool = new ConcurrentHashMap<>();
  /** Told the method name of each call made through these channels (the operator counts them). */
  private final java.util.function.Consumer<String> onCall;

  public DriverProber() {
    this(method -> { });
  }

  public DriverProber(java.util.function.Consumer<String> onCall) {
    this.onCall = onCall;
  }

  private final io.grpc.ClientInterceptor counting = new io.grpc.ClientInterceptor() {
    @Override
    public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(io.grpc.MethodDescriptor<Q, A> method,
        io.grpc.CallOptions options, io.grpc.Channel next) {
      onCall.accept(method.getBareMethodName());
      return next.newCall(method, options);
    }
  };

  /**
   * The channel to a driver's control port. Every driver the operator starts has one
   * ({@code BATON_CONTROL_PORT}); it serves DriverControl, snapshots of any size, and the session
   * API the operator uses for declared sessions, on every kind of driver (a Spark driver's main
   * port is Spark Connect's own and serves neither).
   */
  private ManagedChannel channel(String ip) {
    return channels.computeIfAbsent(ip, a -> NettyChannelBuilder
        .forAddress(ip, PoolLabels.CONTROL_PORT).usePlaintext().maxInboundMessageSize(MAX_MESSAGE_BYTES)
        // A state stream idles between changes: pings (while it is open, no more often than
        // servers permit by default) find a driver that went away without closing it.
        .keepAliveTime(6, TimeUnit.MINUTES).keepAliveTimeout(20, TimeUnit.SECONDS)
        .intercept(counting).build());
  }

  /** DriverControl of the driver at {@code ip}, for a transfer (a large ImportSession included). */
  public DriverControlGrpc.DriverControlBlockingStub controlStub(String ip, String token) {
    return stub(ip, token);
  }

  /** DriverControl of the driver at {@code ip}, presenting its pool's control token. */
  public DriverControlGrpc.DriverControlBlockingStub stub(String ip, String token) {
    return ControlTokens.withToken(DriverControlGrpc.newBlockingStub(channel(ip)), token);
  }

  /** DriverControl of the driver at {@code ip} for streaming calls, presenting its pool's control token. */
  public DriverControlGrpc.DriverControlStub asyncStub(String ip, String token) {
    return ControlTokens.withToken(DriverControlGrpc.newStub(channel(ip)), token);
  }

  /**
   * SessionService of the driver at {@code ip}, as {@code principal}, presenting the session
   * token that goes with the pool's control {@code token}.
   */
  public SessionServiceGrpc.SessionServiceBlockingStub sessions(String ip, String token, String principal) {
    Metadata h = new Metadata();
    h.put(PRINCIPAL, principal);
    return ControlTokens.withSessionToken(SessionServiceGrpc.newBlockingStub(channel(ip)), token)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /**
   * SessionService on the driver's main port, for a driver of an older version whose control port
   * serves DriverControl alone (it answers UNIMPLEMENTED there).
   */
  public SessionServiceGrpc.SessionServiceBlockingStub sessionsOnMainPort(String ip, String token, String principal) {
    Metadata h = new Metadata();
    h.put(PRINCIPAL, principal);
    ManagedChannel main = channels.computeIfAbsent(ip + ":" + PoolLabels.DRIVER_PORT, a -> NettyChannelBuilder
        .forAddress(ip, PoolLabels.DRIVER_PORT).usePlaintext().maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .intercept(counting).build());
    return ControlTokens.withSessionToken(SessionServiceGrpc.newBlockingStub(main), token)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** The driver's status, or empty when it does not answer within 2 s. */
  public Optional<StatusResponse> status(String ip, String token) {
    try {
      StatusResponse status = stub(ip, token).withDeadlineAfter(2, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
      return Optional.of(status);
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /** Tells a driver to take no new sessions; false when it could not be reached. */
  public boolean drain(String ip, String token) {
    try {
      stub(ip, token).withDeadlineAfter(5, TimeUnit.SECONDS).drain(DrainRequest.getDefaultInstance());
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /**
   * Records the driver addresses of one pool and closes the channels of addresses no pool lists
   * any more. Only addresses that were listed before are closed: a driver just created, not yet
   * observed by its pool, keeps the channel a session reconcile may be using.
   */
  public synchronized void retain(String pool, java.util.Set<String> liveIps) {
    java.util.Set<String> before = listed();
    livePerPool.put(pool, java.util.Set.copyOf(liveIps));
    java.util.Set<String> now = listed();
    for (String gone : before) {
      if (!now.contains(gone)) {
        for (String key : new String[] {gone, gone + ":" + PoolLabels.DRIVER_PORT}) {
          ManagedChannel ch = channels.remove(key);
          if (ch != null) {
            ch.shutdown();
          }
        }
      }
    }
  }

  /** The pool is gone: forget its drivers. */
  public void forget(String pool) {
    retain(pool, java.util.Set.of());
    livePerPool.remove(pool);
  }

  private java.util.Set<String> listed() {
    java.util.Set<String> all = new java.util.HashSet<>();
    livePerPool.values().forEach(all::addAll);
    return all;
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}

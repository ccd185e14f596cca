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

  private ManagedChannel channel(String ip) {
    return channel(ip, PoolLabels.DRIVER_PORT);
  }

  private ManagedChannel channel(String ip, int port) {
    String key = port == PoolLabels.DRIVER_PORT ? ip : ip + ":" + port;
    return channels.computeIfAbsent(key, a -> NettyChannelBuilder
        .forAddress(ip, port).usePlaintext().maxInboundMessageSize(MAX_MESSAGE_BYTES).build());
  }

  /**
   * DriverControl of {@code pod} on its control port when it declares one (the only port that
   * takes a large ImportSession), else on its main port (drivers from before the control port).
   */
  public DriverControlGrpc.DriverControlBlockingStub controlStub(io.fabric8.kubernetes.api.model.Pod pod,
      String token) {
    String ip = pod.getStatus().getPodIP();
    int port = pod.getSpec() == null ? PoolLabels.DRIVER_PORT : pod.getSpec().getContainers().stream()
        .flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.empty() : c.getPorts().stream())
        .filter(p -> PoolLabels.CONTROL_PORT_NAME.equals(p.getName()) && p.getContainerPort() != null)
        .map(p -> p.getContainerPort()).findFirst().orElse(PoolLabels.DRIVER_PORT);
    return ControlTokens.withToken(DriverControlGrpc.newBlockingStub(channel(ip, port)), token);
  }

  /** DriverControl of the driver at {@code ip}, presenting its pool's control token. */
  public DriverControlGrpc.DriverControlBlockingStub stub(String ip, String token) {
    return ControlTokens.withToken(DriverControlGrpc.newBlockingStub(channel(ip)), token);
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

  /** The driver's status, or empty when it does not answer within 2 s. */
  public Optional<StatusResponse> status(String ip, String token) {
    try {
      return Optional.of(stub(ip, token).withDeadlineAfter(2, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()));
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
        for (String key : new String[] {gone, gone + ":" + PoolLabels.CONTROL_PORT}) {
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

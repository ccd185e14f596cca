package dev.baton.operator.pool;

import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Asks drivers about themselves over DriverControl; one channel per driver address, reused. */
public final class DriverProber implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 512 << 20;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  public DriverControlGrpc.DriverControlBlockingStub stub(String ip) {
    ManagedChannel ch = channels.computeIfAbsent(ip, a -> NettyChannelBuilder
        .forAddress(a, PoolLabels.DRIVER_PORT).usePlaintext().maxInboundMessageSize(MAX_MESSAGE_BYTES).build());
    return DriverControlGrpc.newBlockingStub(ch);
  }

  /** The driver's status, or empty when it does not answer within 2 s. */
  public Optional<StatusResponse> status(String ip) {
    try {
      return Optional.of(stub(ip).withDeadlineAfter(2, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  /** Tells a driver to take no new sessions; false when it could not be reached. */
  public boolean drain(String ip) {
    try {
      stub(ip).withDeadlineAfter(5, TimeUnit.SECONDS).drain(DrainRequest.getDefaultInstance());
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  /** Forgets channels of drivers that are gone. */
  public void retain(java.util.Set<String> liveIps) {
    channels.entrySet().removeIf(e -> {
      if (!liveIps.contains(e.getKey())) {
        e.getValue().shutdownNow();
        return true;
      }
      return false;
    });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}

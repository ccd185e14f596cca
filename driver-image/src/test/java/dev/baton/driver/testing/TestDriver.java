package dev.baton.driver.testing;

import dev.baton.driver.DriverServer;
import dev.baton.driver.DriverSettings;
import dev.baton.proto.v1.DriverControlGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real driver on a loopback port inside the test JVM, with settings from env-style overrides. */
public final class TestDriver implements AutoCloseable {
  private final DriverServer server;
  private final ManagedChannel controlChannel;

  private TestDriver(DriverServer server) {
    this.server = server;
    this.controlChannel = NettyChannelBuilder.forTarget(target()).usePlaintext()
        .maxInboundMessageSize(512 << 20).build();
  }

  /** Starts a driver; {@code env} holds BATON_* settings, e.g. BATON_SESSION_RESULT_BUFFER. */
  public static TestDriver start(Map<String, String> env) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("BATON_HOST", "127.0.0.1");
    all.putIfAbsent("BATON_PORT", "0");
    all.putIfAbsent("BATON_DRIVER_VERSION", "test");
    all.putIfAbsent("BATON_SHUTDOWN_GRACE", "0s");
    return new TestDriver(DriverServer.start(DriverSettings.parse(new String[0], all)));
  }

  public static TestDriver start() throws Exception {
    return start(Map.of());
  }

  public String target() {
    return "127.0.0.1:" + server.port();
  }

  public DriverServer server() {
    return server;
  }

  public DriverControlGrpc.DriverControlBlockingStub control() {
    return DriverControlGrpc.newBlockingStub(controlChannel);
  }

  @Override
  public void close() throws Exception {
    controlChannel.shutdownNow();
    controlChannel.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}

package dev.baton.driver.testing;

import dev.baton.proto.v1.DriverControlGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged driver jar running as its own process, as in a pod. Its output goes to a log file
 * under target/ so a failed test can be read afterwards.
 */
public final class DriverProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;
  private final ManagedChannel channel;

  private DriverProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.channel = NettyChannelBuilder.forTarget(target()).usePlaintext()
        .maxInboundMessageSize(512 << 20).build();
  }

  public static DriverProcess start(String name, Map<String, String> env) throws Exception {
    String jar = System.getProperty("baton.driver.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("driver jar not found (" + jar + "): run through `mvn verify`, "
          + "which packages it before the integration tests");
    }
    int port = freePort();
    Path log = Path.of("target", "driver-logs", name + "-" + port + ".log");
    Files.createDirectories(log.getParent());
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx1g", "-jar", jar,
        "--host", "127.0.0.1", "--port", String.valueOf(port)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    DriverProcess driver = new DriverProcess(pb.start(), port, log);
    driver.awaitServing();
    return driver;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void awaitServing() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("driver exited with " + process.exitValue() + "; log:\n"
            + Files.readString(log));
      }
      try {
        var r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
        if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
          return;
        }
      } catch (RuntimeException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("driver did not become SERVING within 60s; log:\n" + Files.readString(log));
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  public Process process() {
    return process;
  }

  public Path log() {
    return log;
  }

  public DriverControlGrpc.DriverControlBlockingStub control() {
    return DriverControlGrpc.newBlockingStub(channel);
  }

  /** SIGTERM, as the kubelet sends on pod deletion. */
  public void terminate() {
    process.destroy();
  }

  /**
   * Ends the process at the end of a test: SIGTERM, then SIGKILL after 5 s. A driver still
   * holding results nobody will read would otherwise wait out its whole shutdown grace (30 s);
   * tests of the graceful shutdown itself use {@link #terminate()}.
   */
  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}

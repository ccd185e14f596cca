package dev.baton.bench;

import dev.baton.e2e.python.SparkHomes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark Connect server as Spark ships it, without Baton: {@code spark-submit} of Spark's
 * SparkConnectServer from a Spark installed from PyPI, on loopback, with the JVM options and conf
 * the bench's Spark pool gives its drivers. What a Spark Connect user restarts today.
 */
final class PlainSparkServer implements AutoCloseable {
  private final Process process;
  private final int port;

  private PlainSparkServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts Spark {@code version}'s Connect server on {@code port} and waits until it listens. */
  static PlainSparkServer start(String version, int port, Path log) throws IOException, InterruptedException {
    Path home = SparkHomes.of(version);
    ProcessBuilder pb = new ProcessBuilder(List.of(home.resolve("bin/spark-submit").toString(),
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master", "local[1]",
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", "spark.connect.grpc.binding.port=" + port,
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("SPARK_SUBMIT_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    PlainSparkServer server = new PlainSparkServer(pb.start(), port);
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!server.listening()) {
      if (!server.process.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException("Spark " + version + "'s Connect server did not start; see " + log);
      }
      Thread.sleep(100);
    }
    return server;
  }

  /** A free loopback port. */
  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops the server as an operator's restart would (SIGTERM, then SIGKILL after a minute) and waits for it. */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> tree = new java.util.ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (tree.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    tree.forEach(ProcessHandle::destroyForcibly);
    process.waitFor();
  }
}

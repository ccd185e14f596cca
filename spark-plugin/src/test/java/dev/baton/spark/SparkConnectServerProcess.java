package dev.baton.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Spark Connect server of one Spark version (from PyPI's pyspark, made by
 * python/spark-env.sh, see SparkHomes) with Baton's plugin loaded, as a child process on free local ports.
 */
final class SparkConnectServerProcess implements AutoCloseable {
  private final String version;
  private final Process process;
  private final Path log;
  final int connectPort;
  final int controlPort;

  private SparkConnectServerProcess(String version, Process process, Path log, int connectPort, int controlPort) {
    this.version = version;
    this.process = process;
    this.log = log;
    this.connectPort = connectPort;
    this.controlPort = controlPort;
  }

  /** Starts the server (it takes 10 s warm to a minute cold; see {@link #awaitServing}). */
  static SparkConnectServerProcess start(String version, Path logDir, Map<String, String> env) throws IOException {
    Path sparkHome = dev.baton.e2e.python.SparkHomes.of(version);
    String plugin = System.getProperty("baton.spark.plugin.jar");
    if (plugin == null || !Files.isRegularFile(Path.of(plugin))) {
      throw new IllegalStateException("the plugin jar is not built (baton.spark.plugin.jar=" + plugin + ")");
    }
    int connect = freePort();
    int control = freePort();
    Files.createDirectories(logDir);
    Path log = logDir.resolve("spark-" + version + "-" + connect + ".log");
    List<String> cmd = new ArrayList<>(List.of(sparkHome.resolve("bin/spark-submit").toString(),
        "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master", "local[2]", "--driver-memory", "768m", "--jars", plugin,
        "--conf", "spark.connect.grpc.interceptor.classes=dev.baton.spark.BatonConnectInterceptor",
        "--conf", "spark.connect.grpc.binding.port=" + connect,
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2",
        "--conf", "spark.driver.extraJavaOptions=-XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("BATON_CONTROL_PORT", String.valueOf(control));
    pb.environment().putAll(env);
    return new SparkConnectServerProcess(version, pb.start(), log, connect, control);
  }

  /** Waits until both the Connect port and the plugin's control port take connections. */
  SparkConnectServerProcess awaitServing(Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Spark " + version + " exited (" + process.exitValue() + "): " + tail());
      }
      if (accepts(connectPort) && accepts(controlPort)) {
        return this;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("Spark " + version + " did not serve within " + timeout + ": " + tail());
  }

  String tail() throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.toHandle().descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}

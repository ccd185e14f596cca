package dev.baton.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Arrow Flight client of {@code ./bench scan}, in its own JVM (flight-core needs its own
 * grpc-java): each {@link #scan} sends a query down its standard input and reads back what its
 * scan took. See {@code bench-flight}'s {@code FlightScanPeer}, run from its module's classpath.
 */
final class FlightClientProcess implements AutoCloseable {
  private final Process process;
  private final PrintWriter queries;
  private final BufferedReader results;

  /** Longest one scan may take before the Flight client is deemed hung. */
  private static final long SCAN_TIMEOUT_SECONDS = 300;

  FlightClientProcess(String classpath, String server, List<String> jvmOptions) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new java.util.ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classpath, "dev.baton.bench.flight.FlightScanPeer", "client", server));
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    queries = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    results = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  ScanBenchmark.Run scan(String query) throws IOException {
    queries.println(query);
    String line;
    try {
      line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return results.readLine();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).get(SCAN_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      process.destroyForcibly();
      throw new IOException("the Flight client gave no answer within " + SCAN_TIMEOUT_SECONDS + " s");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException("cannot read the Flight client's answer", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (line == null) {
      throw new IOException("the Flight client exited (exit code " + waitExit() + ")");
    }
    String[] f = line.trim().split(" ");
    return new ScanBenchmark.Run(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
  }

  private int waitExit() {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public void close() {
    queries.close();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}

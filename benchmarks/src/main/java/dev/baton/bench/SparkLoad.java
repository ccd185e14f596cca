package dev.baton.bench;

import dev.baton.e2e.python.PySpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unmodified PySpark clients calling their sessions without pause
 * ({@code python/spark_connect/spark_rollout_load.py}), and the calls they timed. The script times
 * calls with CLOCK_MONOTONIC, the clock of {@link System#nanoTime()} on Linux, so its times compare
 * with this process's.
 */
final class SparkLoad implements AutoCloseable {
  /**
   * How the clients ended: failed calls, the clients that had to make a new session (or never got
   * an answer), the sessions they gave up, the errors.
   */
  record Outcome(int failed, int lost, List<String> abandoned, List<String> errors) {}

  private final Path control;
  private final PySpark.Running script;
  private final int clients;
  private boolean finished;

  private SparkLoad(Path control, PySpark.Running script, int clients) {
    this.control = control;
    this.script = script;
    this.clients = clients;
  }

  /** Starts {@code clients} PySpark sessions at {@code url}; returns once each has set its state up. */
  static SparkLoad start(String url, Map<String, String> env, int clients) throws IOException, InterruptedException {
    Path control = Files.createTempDirectory("baton-bench-spark");
    PySpark.Running script = PySpark.start("spark_rollout_load.py", env, url, control.toString(),
        Integer.toString(clients));
    script.awaitLine("READY", Duration.ofMinutes(5));
    return new SparkLoad(control, script, clients);
  }

  /** Per client ("0", "1", ...): [start, end] nanos of each call it completed so far. */
  Map<String, List<long[]>> calls() throws IOException {
    Map<String, List<long[]>> calls = new HashMap<>();
    Path file = control.resolve("calls.tsv");
    for (String line : Files.readAllLines(file)) {
      String[] f = line.split("\t");
      if (f.length == 4) { // a line being written has fewer fields
        calls.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return calls;
  }

  /** Every client has completed a call that started after {@code nanos}. */
  boolean allCalledSince(long nanos) throws IOException {
    Map<String, List<long[]>> calls = calls();
    for (int i = 0; i < clients; i++) {
      if (calls.getOrDefault(Integer.toString(i), List.of()).stream().noneMatch(c -> c[0] > nanos)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits (up to {@code limit}) until every client has called since {@code nanos}; a client that
   * has not by then shows as an unrecovered call once the clients are stopped.
   */
  void awaitAllCalledSince(long nanos, Duration limit) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline && !allCalledSince(nanos)) {
      Thread.sleep(200);
    }
  }

  /**
   * Each client's pause in [from, to]: its slowest call that overlaps it, in microseconds, sorted.
   * Read after {@link #finish}, so a call that never ended counts until it was given up.
   */
  long[] pauses(long from, long to) throws IOException {
    Map<String, List<long[]>> calls = calls();
    long[] pauses = new long[clients];
    for (int i = 0; i < clients; i++) {
      pauses[i] = Latencies.max(Latencies.of(calls, Integer.toString(i), from, to));
    }
    java.util.Arrays.sort(pauses);
    return pauses;
  }

  /** Stops the clients and reads how they ended. */
  Outcome finish() throws IOException, InterruptedException {
    finished = true;
    Files.createFile(control.resolve("stop"));
    PySpark.Result r = script.finish(Duration.ofMinutes(5));
    Matcher failed = Pattern.compile("(?m)^FAILED (\\d+)$").matcher(r.output());
    Matcher lost = Pattern.compile("(?m)^LOST (\\d+)$").matcher(r.output());
    if (r.exitCode() != 0 || !failed.find() || !lost.find()) {
      throw new IllegalStateException("the PySpark clients did not finish:\n" + r.summary());
    }
    List<String> errors = r.output().lines().filter(l -> l.startsWith("ERROR ")).toList();
    List<String> abandoned = r.output().lines().filter(l -> l.startsWith("ABANDONED "))
        .map(l -> l.substring("ABANDONED ".length()).strip()).toList();
    return new Outcome(Integer.parseInt(failed.group(1)), Integer.parseInt(lost.group(1)), abandoned, errors);
  }

  /** Stops clients left running by a benchmark that failed. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (!finished) {
      finished = true;
      Files.createFile(control.resolve("stop"));
      script.finish(Duration.ofMinutes(1));
    }
  }
}

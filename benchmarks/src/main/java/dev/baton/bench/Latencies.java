package dev.baton.bench;

import java.util.List;
import java.util.Map;

/** Call timings of benchmark clients and the figures printed from them. */
final class Latencies {
  private Latencies() {}

  /** Call latencies in microseconds, sorted: of one session (or all), calls that overlap [from, to]. */
  static long[] of(Map<String, List<long[]>> calls, String session, long from, long to) {
    return calls.entrySet().stream().filter(e -> session == null || e.getKey().equals(session))
        .flatMap(e -> e.getValue().stream()).filter(c -> c[1] >= from && c[0] <= to)
        .mapToLong(c -> (c[1] - c[0]) / 1000).sorted().toArray();
  }

  static long max(long[] sorted) {
    return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
  }

  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  /** One row: count, p50, p99 and max in milliseconds. */
  static void row(String name, long[] us) {
    System.out.printf("%-48s %8d %8.1f %8.1f %8.1f%n", name, us.length, pct(us, 50) / 1000.0, pct(us, 99) / 1000.0,
        max(us) / 1000.0);
  }
}

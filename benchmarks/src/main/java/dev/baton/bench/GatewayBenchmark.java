package dev.baton.bench;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.gateway.CallerAuthenticator;
import dev.baton.gateway.GatewayOptions;
import dev.baton.gateway.GatewayServer;
import dev.baton.gateway.Route;
import dev.baton.gateway.Routes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.vector.FieldVector;

/**
 * The cost of the gateway hop: one session used directly at its driver and through a gateway in
 * front of it, alternately, in one run. Unary latency (GetConfig) p50/p99 and streaming
 * throughput of a large scan, with ratios.
 *
 * <p>Usage: {@code GatewayBenchmark <driver host:port> [unary calls] [scan rows] [rounds]}.
 */
public final class GatewayBenchmark {
  private GatewayBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: GatewayBenchmark <driver host:port> [unary=3000] [rows=10000000] [rounds=3]");
      System.exit(2);
    }
    String driver = args[0];
    int unary = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    long rows = args.length > 2 ? Long.parseLong(args[2]) : 10_000_000L;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;

    Map<String, Route> routes = new ConcurrentHashMap<>();
    // When the driver demands the pool's session token (BATON_SESSION_TOKEN), both paths send it.
    String control = System.getenv("BATON_SESSION_TOKEN");
    var directBuilder = Baton.builder().target(driver).principal("bench");
    if (control != null && !control.isBlank()) {
      directBuilder.header("baton-session-token", control);
    }
    try (Session direct = directBuilder.connect()) {
      routes.put(direct.id(), new Route(direct.id(), "bench", "bench", "bench", "Bound", driver));
      GatewayServer gateway = new GatewayServer(Routes.fixed(routes), null,
          CallerAuthenticator.fixed(Map.of("bench-token", "bench")),
          GatewayOptions.local(Duration.ofSeconds(5)).withSessionToken(control == null || control.isBlank() ? null : control));
      try (Session viaGateway = Baton.builder().target("127.0.0.1:" + gateway.port()).token("bench-token")
          .attach(direct.id()).connect()) {
        System.out.printf("unary: %d GetConfig calls per side after %d warm-up; scan: %,d rows x "
            + "(BIGINT, BIGINT, VARCHAR), median of %d%n", unary, unary / 4, rows, rounds);
        latencies(direct, unary / 4);
        latencies(viaGateway, unary / 4);
        long[] d = latencies(direct, unary);
        long[] g = latencies(viaGateway, unary);
        String query = "SELECT range AS id, range * 2 AS v, 'row-' || range AS s FROM range(" + rows + ")";
        scan(direct, query);
        scan(viaGateway, query);
        List<double[]> ds = new ArrayList<>();
        List<double[]> gs = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          ds.add(scan(direct, query));
          gs.add(scan(viaGateway, query));
        }
        double[] dm = median(ds);
        double[] gm = median(gs);
        System.out.println();
        System.out.printf("%-22s %12s %12s %14s %10s%n", "", "p50 (us)", "p99 (us)", "scan rows/s", "MB/s");
        System.out.printf("%-22s %12.0f %12.0f %,14.0f %10.1f%n", "direct to the driver",
            pct(d, 50) / 1e3, pct(d, 99) / 1e3, dm[0], dm[1]);
        System.out.printf("%-22s %12.0f %12.0f %,14.0f %10.1f%n", "through the gateway",
            pct(g, 50) / 1e3, pct(g, 99) / 1e3, gm[0], gm[1]);
        System.out.printf("%nratios gateway/direct: p50 %.2f, p99 %.2f, rows/s %.2f, MB/s %.2f%n",
            pct(g, 50) / pct(d, 50), pct(g, 99) / pct(d, 99), gm[0] / dm[0], gm[1] / dm[1]);
      } finally {
        gateway.close();
      }
    }
  }

  private static long[] latencies(Session s, int calls) {
    long[] out = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t = System.nanoTime();
      s.config();
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  /** {rows/s, MB/s} of one scan. */
  private static double[] scan(Session s, String query) {
    long t = System.nanoTime();
    long rows = 0;
    long bytes = 0;
    try (ArrowBatchStream stream = s.sql(query).stream()) {
      while (stream.next()) {
        rows += stream.root().getRowCount();
        for (FieldVector v : stream.root().getFieldVectors()) {
          bytes += v.getBufferSize();
        }
      }
    }
    double secs = (System.nanoTime() - t) / 1e9;
    return new double[] {rows / secs, bytes / 1e6 / secs};
  }

  private static double[] median(List<double[]> runs) {
    List<double[]> sorted = new ArrayList<>(runs);
    Collections.sort(sorted, (a, b) -> Double.compare(a[0], b[0]));
    return sorted.get(sorted.size() / 2);
  }
}

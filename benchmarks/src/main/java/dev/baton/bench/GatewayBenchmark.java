package dev.baton.bench;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.gateway.CallerAuthenticator;
import dev.baton.gateway.GatewayOptions;
import dev.baton.gateway.GatewayServer;
import dev.baton.gateway.Route;
import dev.baton.gateway.Routes;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.vector.FieldVector;

/**
 * The cost of the gateway hop: one session used directly at its driver, through nginx
 * {@code grpc_pass} in front of it (the proxy users would otherwise put there; when
 * {@code BATON_BENCH_NGINX} names it) and through a Baton gateway, in one run, beside the floor of
 * one unary call on this machine (Health.Check on a bare grpc-java server). Unary latency
 * (GetConfig) p50/p99 and streaming throughput of a large scan, with what each proxy adds.
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
      String nginx = System.getenv("BATON_BENCH_NGINX");
      Server echo = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(new HealthStatusManager().getHealthService()).build().start();
      ManagedChannel echoChannel = NettyChannelBuilder.forAddress("127.0.0.1", echo.getPort()).usePlaintext().build();
      try (Session viaGateway = Baton.builder().target("127.0.0.1:" + gateway.port()).token("bench-token")
          .attach(direct.id()).connect();
          // The same caller as direct (principal, session token), through nginx to the same driver.
          Session viaNginx = nginx == null || nginx.isBlank() ? null
              : directBuilder.target(nginx).attach(direct.id()).connect()) {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(echoChannel);
        System.out.printf("unary: %d calls per path after %d warm-up; scan: %,d rows x "
            + "(BIGINT, BIGINT, VARCHAR), median of %d%n", unary, unary / 4, rows, rounds);
        echo(health, unary / 4);
        latencies(direct, unary / 4);
        latencies(viaGateway, unary / 4);
        if (viaNginx != null) {
          latencies(viaNginx, unary / 4);
        }
        long[] f = echo(health, unary);
        long[] d = latencies(direct, unary);
        long[] n = viaNginx == null ? null : latencies(viaNginx, unary);
        long[] g = latencies(viaGateway, unary);
        String query = "SELECT range AS id, range * 2 AS v, 'row-' || range AS s FROM range(" + rows + ")";
        scan(direct, query);
        scan(viaGateway, query);
        List<double[]> ds = new ArrayList<>();
        List<double[]> ns = new ArrayList<>();
        List<double[]> gs = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          ds.add(scan(direct, query));
          if (viaNginx != null) {
            ns.add(scan(viaNginx, query));
          }
          gs.add(scan(viaGateway, query));
        }
        double[] dm = median(ds);
        double[] gm = median(gs);
        System.out.println();
        System.out.printf("%-44s %10s %10s %14s %10s%n", "unary: GetConfig (the floor: Health.Check)", "p50 (us)",
            "p99 (us)", "scan rows/s", "MB/s");
        System.out.printf("%-44s %10.0f %10.0f %14s %10s%n", "bare grpc-java server, loopback (the floor)",
            pct(f, 50) / 1e3, pct(f, 99) / 1e3, "-", "-");
        row("direct to the driver", d, dm);
        if (n != null) {
          row("through nginx grpc_pass", n, median(ns));
        }
        row("through the Baton gateway", g, gm);
        double gwAdded50 = (pct(g, 50) - pct(d, 50)) / 1e3;
        double gwAdded99 = (pct(g, 99) - pct(d, 99)) / 1e3;
        System.out.printf("%nthe gateway adds p50 %.0f us, p99 %.0f us; streams %.2fx direct (goal >= 0.95)%n",
            gwAdded50, gwAdded99, gm[0] / dm[0]);
        if (n != null) {
          double ngAdded50 = (pct(n, 50) - pct(d, 50)) / 1e3;
          double ngAdded99 = (pct(n, 99) - pct(d, 99)) / 1e3;
          System.out.printf("nginx adds p50 %.0f us, p99 %.0f us; streams %.2fx direct%n", ngAdded50, ngAdded99,
              median(ns)[0] / dm[0]);
          System.out.printf("gateway added / nginx added: p50 %.2f (goal <= 0.6), p99 %.2f (goal <= 1)%n",
              gwAdded50 / ngAdded50, gwAdded99 / ngAdded99);
        } else {
          System.out.println("(no nginx peer: set BATON_BENCH_NGINX=host:port, as ./bench gateway does)");
        }
      } finally {
        echoChannel.shutdownNow();
        echo.shutdownNow();
        gateway.close();
      }
    }
  }

  private static void row(String name, long[] sorted, double[] scan) {
    System.out.printf("%-44s %10.0f %10.0f %,14.0f %10.1f%n", name, pct(sorted, 50) / 1e3, pct(sorted, 99) / 1e3,
        scan[0], scan[1]);
  }

  /** Health.Check on a bare grpc-java server: what one unary call costs on this machine, at least. */
  private static long[] echo(HealthGrpc.HealthBlockingStub health, int calls) {
    long[] out = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t = System.nanoTime();
      health.check(HealthCheckRequest.getDefaultInstance());
      out[i] = System.nanoTime() - t;
    }
    Arrays.sort(out);
    return out;
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

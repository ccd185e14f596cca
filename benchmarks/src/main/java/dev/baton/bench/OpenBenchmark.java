package dev.baton.bench;

import dev.baton.api.PoolLabels;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Arrays;

/**
 * Opening a session through the gateway on a real control plane — the gateway creates a
 * ClientSession, the operator places it and opens it on a driver, the gateway sees it Bound and
 * answers — beside opening one directly on a driver (the floor: the same OpenSession with no
 * Kubernetes in the way). Opens alternate between the two, one at a time, each on a channel
 * already connected, and each session is closed before the next open.
 *
 * <p>Usage: {@code ./bench open [opens]} (default 200).
 */
public final class OpenBenchmark {
  private OpenBenchmark() {}

  public static void main(String[] args) throws Exception {
    int opens = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    try (BenchPool pool = BenchPool.start(2)) {
      Pod driver = pool.admin().pods().inNamespace(BenchPool.NS).withLabels(PoolLabels.driverSelector("bench"))
          .list().getItems().get(0);
      String sessionToken = ControlTokens.sessionToken(new ControlTokens(pool.admin()).token(BenchPool.NS, "bench"));
      ManagedChannel direct = NettyChannelBuilder.forAddress(driver.getStatus().getPodIP(), PoolLabels.DRIVER_PORT)
          .usePlaintext().build();
      ManagedChannel gateway = NettyChannelBuilder.forTarget(pool.target()).usePlaintext().build();
      try {
        Baton.Builder toDriver = Baton.builder().channel(direct).principal("bench")
            .header("baton-session-token", sessionToken);
        Baton.Builder throughGateway = Baton.builder().channel(gateway).token("bench-token");
        for (int i = 0; i < 10; i++) { // warm-up: JIT, channels, informers
          time(toDriver);
          time(throughGateway);
        }
        long[] floor = new long[opens];
        long[] open = new long[opens];
        for (int i = 0; i < opens; i++) {
          floor[i] = time(toDriver);
          open[i] = time(throughGateway);
        }
        Arrays.sort(floor);
        Arrays.sort(open);
        System.out.printf("session opens, one at a time, %d each, alternating; 2 drivers, operator and gateway on "
            + "this machine%n", opens);
        System.out.printf("%-44s %8s %8s %8s %8s %8s%n", "open latency, ms", "opens", "p50", "p90", "p99", "max");
        row("direct to a driver (no Kubernetes: the floor)", floor);
        row("through the gateway (ClientSession placed)", open);
        System.out.printf("gateway/direct p50 %.1fx; goal p50 <= 100 ms, p99 <= 500 ms: %s%n",
            (double) Latencies.pct(open, 50) / Math.max(1, Latencies.pct(floor, 50)),
            Latencies.pct(open, 50) <= 100_000 && Latencies.pct(open, 99) <= 500_000 ? "met" : "not met");
      } finally {
        direct.shutdownNow();
        gateway.shutdownNow();
      }
    }
  }

  /** Microseconds to open a session (until the SDK returns it); then closes it. */
  private static long time(Baton.Builder builder) {
    long start = System.nanoTime();
    Session s = builder.connect();
    long us = (System.nanoTime() - start) / 1000;
    s.close();
    return us;
  }

  private static void row(String name, long[] us) {
    System.out.printf("%-44s %8d %8.1f %8.1f %8.1f %8.1f%n", name, us.length, Latencies.pct(us, 50) / 1000.0,
        Latencies.pct(us, 90) / 1000.0, Latencies.pct(us, 99) / 1000.0, Latencies.max(us) / 1000.0);
  }
}

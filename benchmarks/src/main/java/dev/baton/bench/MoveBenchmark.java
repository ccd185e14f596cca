package dev.baton.bench;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Session moves under load, on a real control plane with the local node: a pool of 4 drivers
 * scaled to 2 while clients keep calling every session through the gateway. Prints, in one run,
 * the clients' call latency without moves (baseline) beside the same clients' latency while the
 * moves happen, the client-visible pause of each moved session (its slowest call that overlapped
 * the scale-down), and sessions moved per second.
 *
 * <p>Usage: {@code ./bench move [sessions] [client threads]} (defaults 24 and 8).
 */
public final class MoveBenchmark {
  private static final String NS = BenchPool.NS;

  public static void main(String[] args) throws Exception {
    int sessionCount = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    try (BenchPool pool = BenchPool.start(4)) {
      run(pool, sessionCount, threads);
    }
  }


  private static void run(BenchPool pool, int sessionCount, int threads) throws Exception {
    KubernetesClient admin = pool.admin();
    String target = pool.target();
    List<Session> sessions = new ArrayList<>();
    for (int i = 0; i < sessionCount; i++) {
      Session s = Baton.builder().target(target).token("bench-token").connect();
      sessions.add(s);
    }
    BenchClients clients = new BenchClients(sessions, threads);
    Map<String, List<long[]>> calls = clients.calls;
    List<Throwable> failures = clients.failures;
    Thread.sleep(5_000); // warm-up
    long baselineStart = System.nanoTime();
    Thread.sleep(15_000);
    long baselineEnd = System.nanoTime();

    Map<String, String> driverBefore = placements(admin);
    long scaleStart = System.nanoTime();
    var down = admin.resources(DriverPool.class).inNamespace(NS).withName("bench")
        .edit(p -> { p.getSpec().setReplicas(2); return p; });
    pool.await(p -> Integer.valueOf(2).equals(p.getStatus().getReplicas())
        && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()));
    Set<String> remaining = Set.copyOf(admin.pods().inNamespace(NS).withLabels(
        dev.baton.api.PoolLabels.driverSelector("bench")).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(p -> p.getMetadata().getName()).toList());
    while (!placements(admin).values().stream().allMatch(remaining::contains)) {
      Thread.sleep(100);
    }
    long scaleEnd = System.nanoTime();
    Thread.sleep(2_000);
    clients.close();

    List<String> moved = driverBefore.entrySet().stream().filter(e -> !remaining.contains(e.getValue()))
        .map(Map.Entry::getKey).toList();
    long[] baseline = Latencies.of(calls, null, baselineStart, baselineEnd);
    long[] during = Latencies.of(calls, null, scaleStart, scaleEnd);
    long[] pauses = moved.stream().mapToLong(id -> Latencies.max(Latencies.of(calls, id, scaleStart, scaleEnd))).sorted().toArray();
    double seconds = (scaleEnd - scaleStart) / 1e9;
    System.out.printf("sessions %d, client threads %d, drivers 4 -> 2 (down %s)%n", sessionCount, threads,
        down.getMetadata().getName());
    System.out.printf("%-44s %8s %8s %8s %8s%n", "call latency (insert + read), ms", "calls", "p50", "p99", "max");
    Latencies.row("without moves (baseline)", baseline);
    Latencies.row("during the scale-down (all sessions)", during);
    Latencies.row("pause of each moved session (its slowest call)", pauses);
    System.out.printf("moved %d sessions in %.1f s (scale-down to all placed): %.2f sessions/s; failed calls: %d%n",
        moved.size(), seconds, moved.size() / seconds, failures.size());
    System.out.printf("ratio during/baseline: p50 %.2fx, p99 %.2fx%n", Latencies.pct(during, 50) / (double) Latencies.pct(baseline, 50),
        Latencies.pct(during, 99) / (double) Latencies.pct(baseline, 99));
    for (Session s : sessions) {
      s.close();
    }
    if (!failures.isEmpty()) {
      failures.get(0).printStackTrace();
      System.exit(1);
    }
  }

  /** Session id -> driver pod, for the pool's sessions that are Bound and not moving. */
  private static Map<String, String> placements(KubernetesClient admin) {
    Map<String, String> out = new java.util.HashMap<>();
    for (ClientSession cs : admin.resources(ClientSession.class).inNamespace(NS).list().getItems()) {
      if (cs.getStatus() != null && cs.getStatus().getSessionId() != null) {
        boolean settled = cs.getStatus().getPhase() == SessionPhase.Bound && cs.getStatus().getMove() == null;
        out.put(cs.getStatus().getSessionId(), settled ? cs.getStatus().getDriverPod() : "(moving)");
      }
    }
    return out;
  }
}

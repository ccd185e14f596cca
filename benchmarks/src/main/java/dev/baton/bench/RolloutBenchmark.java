package dev.baton.bench;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.UpgradeStrategy;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A driver upgrade as clients see it, on a real control plane with the local node: the same
 * clients calling the same sessions through the gateway during (a) a RollingHandoff upgrade and
 * (b) what a Spark Connect user gets today when its server is replaced: drivers replaced with no
 * handoff (strategy Recreate), sessions lost and set up again by the client. Prints failed calls,
 * the pause of each session (its slowest call during the upgrade, a failure and the set-up after
 * it included), sessions moved per second and the time to complete, side by side.
 *
 * <p>Usage: {@code ./bench rollout [sessions] [client threads]} (defaults 24 and 8).
 */
public final class RolloutBenchmark {
  private static final String NS = BenchPool.NS;

  public static void main(String[] args) throws Exception {
    int sessionCount = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    try (BenchPool pool = BenchPool.start(3)) {
      pool.await(p -> p.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("RolloutComplete") && c.getStatus().equals("True")));
      Result handoff = upgrade(pool, sessionCount, threads, UpgradeStrategy.RollingHandoff, "1.1.0");
      Result replaced = upgrade(pool, sessionCount, threads, UpgradeStrategy.Recreate, "1.2.0");
      System.out.printf("sessions %d, client threads %d, 3 drivers upgraded%n", sessionCount, threads);
      System.out.printf("%-48s %8s %8s %8s %8s%n", "per-session pause during the upgrade, ms", "sessions", "p50",
          "p99", "max");
      Latencies.row("(a) RollingHandoff", handoff.pauses);
      Latencies.row("(b) replaced without handoff (Recreate)", replaced.pauses);
      System.out.printf("%-48s %12s %12s%n", "", "(a) handoff", "(b) replaced");
      System.out.printf("%-48s %12d %12d%n", "failed calls", handoff.failed, replaced.failed);
      System.out.printf("%-48s %12d %12d%n", "sessions whose state was lost", handoff.lost, replaced.lost);
      System.out.printf("%-48s %12d %12d%n", "sessions handed over with their state", handoff.moved, replaced.moved);
      System.out.printf("%-48s %12.1f %12.1f%n", "time to complete, s", handoff.seconds, replaced.seconds);
      System.out.printf("%-48s %12.2f %12.2f%n", "sessions handed over per second", handoff.moved / handoff.seconds,
          replaced.moved / replaced.seconds);
      System.out.printf("ratio of pauses (a)/(b): p50 %.2fx, max %.2fx%n",
          Latencies.pct(handoff.pauses, 50) / (double) Math.max(1, Latencies.pct(replaced.pauses, 50)),
          Latencies.max(handoff.pauses) / (double) Math.max(1, Latencies.max(replaced.pauses)));
    }
  }


  private record Result(long[] pauses, int failed, int lost, int moved, double seconds) {}

  private static Result upgrade(BenchPool pool, int sessionCount, int threads,
      UpgradeStrategy strategy, String version) throws Exception {
    KubernetesClient admin = pool.admin();
    String target = pool.target();
    List<Session> sessions = new ArrayList<>();
    for (int i = 0; i < sessionCount; i++) {
      Session s = Baton.builder().target(target).token("bench-token").connect();
      sessions.add(s);
    }
    Map<String, Integer> migrationsBefore = migrations(admin);
    BenchClients clients = new BenchClients(sessions, threads);
    Thread.sleep(5_000);
    long begin = System.nanoTime();
    DriverPool edited = admin.resources(DriverPool.class).inNamespace(NS).withName("bench").edit(p -> {
      p.getSpec().getUpgrade().setStrategy(strategy);
      p.getSpec().getDriver().setImage("registry.example/baton-driver:" + version);
      return p;
    });
    long generation = edited.getMetadata().getGeneration();
    // The rollout of this generation complete: the same gate a pipeline uses.
    pool.await(p -> p.getStatus().getObservedGeneration() != null
        && p.getStatus().getObservedGeneration() >= generation && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("RolloutComplete") && c.getStatus().equals("True")));
    long end = System.nanoTime();
    // Every session makes a call after the upgrade, so each lost one shows (a call can be held
    // for seconds while a session is re-opened).
    long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < settle && !clients.allCalledSince(sessions, end)) {
      Thread.sleep(200);
    }
    clients.close();
    Map<String, Integer> migrationsAfter = migrations(admin);
    // Handed over with their state: moved (the ClientSession counts a move) and never failed.
    int moved = (int) migrationsAfter.entrySet().stream()
        .filter(e -> e.getValue() > migrationsBefore.getOrDefault(e.getKey(), 0) && !clients.lost.contains(e.getKey()))
        .count();
    long[] pauses = sessions.stream().mapToLong(s -> Latencies.max(Latencies.of(clients.calls, s.id(), begin, end)))
        .sorted().toArray();
    for (Session s : sessions) {
      s.close();
    }
    return new Result(pauses, clients.failures.size(), clients.lost.size(), moved, (end - begin) / 1e9);
  }

  private static Map<String, Integer> migrations(KubernetesClient admin) {
    Map<String, Integer> out = new java.util.HashMap<>();
    for (ClientSession cs : admin.resources(ClientSession.class).inNamespace(NS).list().getItems()) {
      if (cs.getStatus() != null && cs.getStatus().getSessionId() != null) {
        out.put(cs.getStatus().getSessionId(), cs.getStatus().getMigrations() == null ? 0 : cs.getStatus().getMigrations());
      }
    }
    return out;
  }
}

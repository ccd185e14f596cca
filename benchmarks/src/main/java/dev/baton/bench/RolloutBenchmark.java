package dev.baton.bench;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.UpgradeStrategy;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A driver upgrade as clients see it, on a real control plane with the local node: the same
 * clients calling the same sessions through the gateway during (a) a RollingHandoff upgrade and
 * (b) drivers replaced with no handoff (strategy Recreate), sessions lost and set up again by the
 * client; then the Spark column: unmodified PySpark clients during (c) a Spark 4.2.1 to 4.3.0
 * upgrade of a pool of Spark Connect drivers and (d) the same upgrade as a restart of a plain
 * Spark Connect server, what Spark Connect users do today (sessions lost, set up again by the
 * client). Prints failed calls, the pause of each session (its slowest call during the upgrade, a
 * failure and the set-up after it included), sessions moved per second and the time to complete,
 * side by side.
 *
 * <p>Usage: {@code ./bench rollout [sessions] [client threads] [pyspark sessions]} (defaults 24, 8
 * and 4; 0 PySpark sessions leaves the Spark column out).
 */
public final class RolloutBenchmark {
  private static final String NS = BenchPool.NS;

  public static void main(String[] args) throws Exception {
    int sessionCount = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int sparkClients = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    List<String> names = new ArrayList<>(List.of("(a) RollingHandoff", "(b) replaced without handoff (Recreate)"));
    List<Result> results = new ArrayList<>();
    try (BenchPool pool = BenchPool.start(3)) {
      pool.await(p -> p.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("RolloutComplete") && c.getStatus().equals("True")));
      results.add(upgrade(pool, sessionCount, threads, UpgradeStrategy.RollingHandoff, "1.1.0"));
      results.add(upgrade(pool, sessionCount, threads, UpgradeStrategy.Recreate, "1.2.0"));
      if (sparkClients > 0) {
        results.add(SparkRollouts.handoff(pool, sparkClients));
        names.add("(c) Spark " + SparkRollouts.OLD_SPARK + " -> " + SparkRollouts.NEW_SPARK + ", Baton pool");
      }
    }
    if (sparkClients > 0) {
      results.add(SparkRollouts.restart(sparkClients, Path.of("target/bench")));
      names.add("(d) Spark server restarted as " + SparkRollouts.NEW_SPARK + " (no Baton)");
    }
    System.out.printf("reference drivers: %d SDK sessions, %d client threads, 3 drivers upgraded%n", sessionCount,
        threads);
    if (sparkClients > 0) {
      System.out.printf("Spark: %d PySpark sessions; (c) 2 Spark Connect drivers upgraded, through the gateway; "
          + "(d) one Spark Connect server, direct%n", sparkClients);
    }
    System.out.printf("%-48s %8s %8s %8s %8s%n", "per-session pause during the upgrade, ms", "sessions", "p50",
        "p99", "max");
    for (int i = 0; i < results.size(); i++) {
      Latencies.row(names.get(i), results.get(i).pauses);
    }
    String[] columns = {"(a) handoff", "(b) replaced", "(c) Spark", "(d) restart"};
    StringBuilder head = new StringBuilder(String.format("%-48s", ""));
    for (int i = 0; i < results.size(); i++) {
      head.append(String.format(" %12s", columns[i]));
    }
    System.out.println(head);
    row("failed calls", results, r -> String.format("%12d", r.failed));
    row("sessions whose state was lost", results, r -> String.format("%12d", r.lost));
    row("sessions handed over with their state", results, r -> String.format("%12d", r.moved));
    row("time to complete, s", results, r -> String.format("%12.1f", r.seconds));
    row("sessions handed over per second", results, r -> String.format("%12.2f", r.moved / r.seconds));
    System.out.printf("ratio of pauses (a)/(b): p50 %.2fx, max %.2fx%n", ratio(results.get(0), results.get(1), 50),
        maxRatio(results.get(0), results.get(1)));
    if (sparkClients > 0) {
      System.out.printf("ratio of pauses (c)/(d): p50 %.2fx, max %.2fx%n", ratio(results.get(2), results.get(3), 50),
          maxRatio(results.get(2), results.get(3)));
    }
    for (int i = 0; i < results.size(); i++) {
      for (String e : results.get(i).errors) {
        System.out.println(columns[i] + " " + e);
      }
    }
  }

  private static void row(String name, List<Result> results, java.util.function.Function<Result, String> cell) {
    StringBuilder line = new StringBuilder(String.format("%-48s", name));
    results.forEach(r -> line.append(' ').append(cell.apply(r)));
    System.out.println(line);
  }

  private static double ratio(Result a, Result b, int pct) {
    return Latencies.pct(a.pauses, pct) / (double) Math.max(1, Latencies.pct(b.pauses, pct));
  }

  private static double maxRatio(Result a, Result b) {
    return Latencies.max(a.pauses) / (double) Math.max(1, Latencies.max(b.pauses));
  }

  /** One upgrade as its clients saw it; {@code errors}: the failures the clients printed. */
  record Result(long[] pauses, int failed, int lost, int moved, double seconds, List<String> errors) {}

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
    return new Result(pauses, clients.failures.size(), clients.lost.size(), moved, (end - begin) / 1e9, List.of());
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

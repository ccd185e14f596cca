package dev.baton.bench;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import dev.baton.gateway.Authenticator;
import dev.baton.gateway.GatewayOptions;
import dev.baton.gateway.GatewayServer;
import dev.baton.gateway.SessionCreator;
import dev.baton.gateway.SessionDirectory;
import dev.baton.operator.BatonOperator;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
  private static final String NS = "bench";

  public static void main(String[] args) throws Exception {
    int sessionCount = args.length > 0 ? Integer.parseInt(args[0]) : 24;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path dir = Files.createTempDirectory("baton-bench-move");
    try (ControlPlane plane = ControlPlane.start(dir, false);
        KubernetesClient admin = plane.adminClient();
        KubernetesClient nodeClient = plane.adminClient();
        LocalNode node = new LocalNode(nodeClient, LocalNode.DEFAULT_NAME, ImageCatalog.standard(), dir.resolve("pods"))
            .start()) {
      plane.installCrds(Path.of("crds"), admin);
      check(plane.kubectl("create", "namespace", NS));
      try (BatonOperator operator = new BatonOperator(admin, Set.of(NS), null).start()) {
        check(plane.kubectlApply("""
            apiVersion: v1
            kind: Secret
            metadata: {name: bench-tokens, namespace: bench}
            stringData: {bench: bench-token}
            ---
            apiVersion: baton.dev/v1alpha1
            kind: DriverPool
            metadata: {name: bench, namespace: bench}
            spec:
              replicas: 4
              driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
              sessions: {maxPerPrincipal: 1000}
            """));
        awaitPool(admin, 4);
        String control = new ControlTokens(admin).token(NS, "bench");
        try (SessionDirectory directory = new SessionDirectory(admin, NS, "bench");
            GatewayServer gateway = new GatewayServer(directory, new SessionCreator(admin, NS, "bench"),
                new Authenticator(admin, NS, "bench-tokens", Duration.ofSeconds(10)),
                GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(ControlTokens.sessionToken(control)))) {
          run(admin, gateway, sessionCount, threads);
        }
      }
    }
  }

  private static void run(KubernetesClient admin, GatewayServer gateway, int sessionCount, int threads)
      throws Exception {
    String target = "127.0.0.1:" + gateway.port();
    List<Session> sessions = new ArrayList<>();
    for (int i = 0; i < sessionCount; i++) {
      Session s = Baton.builder().target(target).token("bench-token").connect();
      s.sql("CREATE TEMP TABLE writes (n BIGINT)").collect();
      sessions.add(s);
    }
    // Each call: an insert and a read of what was written (two RPCs), timed as one.
    Map<String, List<long[]>> calls = new ConcurrentHashMap<>(); // session -> [start nanos, end nanos]
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong n = new AtomicLong();
    ExecutorService load = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      List<Session> mine = new ArrayList<>();
      for (int i = t; i < sessionCount; i += threads) {
        mine.add(sessions.get(i));
      }
      load.submit(() -> {
        while (running.get()) {
          for (Session s : mine) {
            long start = System.nanoTime();
            try {
              s.sql("INSERT INTO writes VALUES (" + n.incrementAndGet() + ")").collect();
              s.sql("SELECT count(*) FROM writes").collect();
            } catch (Throwable e) {
              failures.add(e);
            }
            calls.computeIfAbsent(s.id(), k -> new CopyOnWriteArrayList<>()).add(new long[] {start, System.nanoTime()});
          }
        }
        return null;
      });
    }
    Thread.sleep(5_000); // warm-up
    long baselineStart = System.nanoTime();
    Thread.sleep(15_000);
    long baselineEnd = System.nanoTime();

    Map<String, String> driverBefore = placements(admin);
    long scaleStart = System.nanoTime();
    var down = admin.resources(DriverPool.class).inNamespace(NS).withName("bench")
        .edit(p -> { p.getSpec().setReplicas(2); return p; });
    awaitPool(admin, 2);
    Set<String> remaining = Set.copyOf(admin.pods().inNamespace(NS).withLabels(
        dev.baton.api.PoolLabels.driverSelector("bench")).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(p -> p.getMetadata().getName()).toList());
    while (!placements(admin).values().stream().allMatch(remaining::contains)) {
      Thread.sleep(100);
    }
    long scaleEnd = System.nanoTime();
    Thread.sleep(2_000);
    running.set(false);
    load.shutdown();
    load.awaitTermination(60, TimeUnit.SECONDS);

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

  private static void awaitPool(KubernetesClient admin, int replicas) {
    admin.resources(DriverPool.class).inNamespace(NS).withName("bench").waitUntilCondition(p -> p != null
        && p.getStatus() != null && Integer.valueOf(replicas).equals(p.getStatus().getReplicas())
        && Integer.valueOf(replicas).equals(p.getStatus().getReadyReplicas()), 300, TimeUnit.SECONDS);
  }

  private static void check(ControlPlane.KubectlResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(r.output());
    }
  }
}

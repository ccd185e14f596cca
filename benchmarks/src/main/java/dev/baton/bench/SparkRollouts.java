package dev.baton.bench;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.e2e.python.SparkHomes;
import dev.baton.e2e.tls.LocalhostCertificates;
import dev.baton.gateway.Authenticator;
import dev.baton.gateway.GatewayOptions;
import dev.baton.gateway.GatewayServer;
import dev.baton.gateway.GatewayTls;
import dev.baton.gateway.ServiceAllowList;
import dev.baton.gateway.SessionCreator;
import dev.baton.gateway.SessionDirectory;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Spark column of {@code ./bench rollout}: the same PySpark clients during (c) a Spark version
 * upgrade of a Baton pool of Spark Connect drivers, reached through its gateway, and (d) the same
 * upgrade done as Spark Connect users do it today, a restart of their Spark Connect server.
 */
final class SparkRollouts {
  static final String OLD_SPARK = "4.2.1";
  static final String NEW_SPARK = "4.3.0";
  private static final String POOL = "lake";

  private SparkRollouts() {}

  /** (c): a pool of 2 Spark drivers on {@link #OLD_SPARK}, its image changed to {@link #NEW_SPARK}. */
  static RolloutBenchmark.Result handoff(BenchPool pool, int clients) throws Exception {
    installBoth();
    KubernetesClient admin = pool.admin();
    LocalhostCertificates.Issued cert = LocalhostCertificates.localhost(1);
    Path ca = Files.createTempFile("baton-bench-ca", ".pem");
    Files.writeString(ca, cert.certPem());
    admin.secrets().inNamespace(BenchPool.NS).resource(new SecretBuilder().withNewMetadata().withName("lake-tls")
        .endMetadata().withType("kubernetes.io/tls").addToStringData("tls.crt", cert.certPem())
        .addToStringData("tls.key", cert.keyPem()).build()).create();
    pool.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: lake, namespace: bench}
        spec:
          replicas: 2
          driver:
            kind: SparkConnect
            image: apache/spark:%s
            spark:
              master: local[1]
              conf: {spark.sql.shuffle.partitions: "2", spark.ui.enabled: "false"}
          upgrade: {maxSurge: 1}
          sessions: {maxPerPrincipal: 1000}
          gateway:
            tlsSecret: lake-tls
            services: [spark.connect.SparkConnectService]
        """.formatted(OLD_SPARK));
    pool.await(POOL, p -> Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()));
    String control = new ControlTokens(admin).token(BenchPool.NS, POOL);
    try (SessionDirectory directory = new SessionDirectory(admin, BenchPool.NS, POOL);
        GatewayTls tls = GatewayTls.fromSecret(admin, BenchPool.NS, "lake-tls");
        GatewayServer gateway = new GatewayServer(directory, new SessionCreator(admin, BenchPool.NS, POOL),
            new Authenticator(admin, BenchPool.NS, "bench-tokens", Duration.ofSeconds(10)),
            GatewayOptions.local(Duration.ofSeconds(30))
                .withSessionToken(ControlTokens.sessionToken(control))
                .withServices(new ServiceAllowList(Set.of("spark.connect.SparkConnectService")))
                .withTls(tls.credentials()));
        // Unmodified PySpark trusts the gateway's certificate through gRPC's roots file.
        SparkLoad load = SparkLoad.start("sc://localhost:" + gateway.port() + "/;use_ssl=true;token=bench-token",
            Map.of("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", ca.toString()), clients)) {
      Map<String, Integer> before = migrations(admin);
      Thread.sleep(5_000);
      long begin = System.nanoTime();
      DriverPool edited = admin.resources(DriverPool.class).inNamespace(BenchPool.NS).withName(POOL).edit(p -> {
        p.getSpec().getDriver().setImage("apache/spark:" + NEW_SPARK);
        return p;
      });
      long generation = edited.getMetadata().getGeneration();
      pool.await(POOL, p -> p.getStatus().getObservedGeneration() != null
          && p.getStatus().getObservedGeneration() >= generation && p.getStatus().getConditions().stream()
              .anyMatch(c -> c.getType().equals("RolloutComplete") && c.getStatus().equals("True")));
      long end = System.nanoTime();
      load.awaitAllCalledSince(end, Duration.ofMinutes(2));
      SparkLoad.Outcome outcome = load.finish();
      long[] pauses = load.pauses(begin, end);
      Map<String, Integer> after = migrations(admin);
      // Handed over with their state: moved, and still the session its client uses.
      int moved = (int) before.entrySet().stream().filter(e -> after.getOrDefault(e.getKey(), 0) > e.getValue()
          && !outcome.abandoned().contains(e.getKey())).count();
      return new RolloutBenchmark.Result(pauses, outcome.failed(), outcome.lost(), moved, (end - begin) / 1e9,
          outcome.errors());
    }
  }

  /** (d): a Spark Connect server without Baton on {@link #OLD_SPARK}, restarted as {@link #NEW_SPARK}. */
  static RolloutBenchmark.Result restart(int clients, Path logs) throws Exception {
    installBoth();
    int port = PlainSparkServer.freePort();
    PlainSparkServer server = PlainSparkServer.start(OLD_SPARK, port, logs.resolve("spark-" + OLD_SPARK + ".log"));
    try (SparkLoad load = SparkLoad.start("sc://localhost:" + port, Map.of(), clients)) {
      Thread.sleep(5_000);
      long begin = System.nanoTime();
      server.close();
      server = PlainSparkServer.start(NEW_SPARK, port, logs.resolve("spark-" + NEW_SPARK + ".log"));
      long end = System.nanoTime();
      load.awaitAllCalledSince(end, Duration.ofMinutes(3));
      SparkLoad.Outcome outcome = load.finish();
      long[] pauses = load.pauses(begin, end);
      return new RolloutBenchmark.Result(pauses, outcome.failed(), outcome.lost(), 0, (end - begin) / 1e9,
          outcome.errors());
    } finally {
      server.close();
    }
  }

  /** Both Spark versions installed before anything is timed (a minute or two each, once per machine). */
  private static void installBoth() {
    SparkHomes.of(OLD_SPARK);
    SparkHomes.of(NEW_SPARK);
  }

  /** Moves so far of each Spark session of the pool, by session id. */
  private static Map<String, Integer> migrations(KubernetesClient admin) {
    Map<String, Integer> out = new HashMap<>();
    for (ClientSession cs : admin.resources(ClientSession.class).inNamespace(BenchPool.NS).list().getItems()) {
      if (POOL.equals(cs.getSpec().getPool()) && cs.getStatus() != null && cs.getStatus().getSessionId() != null) {
        out.put(cs.getStatus().getSessionId(), cs.getStatus().getMigrations() == null ? 0
            : cs.getStatus().getMigrations());
      }
    }
    return out;
  }
}

package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.e2e.python.PySpark;
import dev.baton.e2e.python.SparkHomes;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.session.RecordedStates;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pool of real Apache Spark Connect servers (kind SparkConnect; Spark 4.2.1 and 4.3.0 from PyPI,
 * each with Baton's Spark plugin) on the real control plane, used by unmodified PySpark through
 * the pool's gateway: Spark answers the client's DataFrame and SQL calls, and a change of the
 * pool's Spark image moves every session to the new Spark version while its client keeps querying.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkPoolIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withLocalNode().build();
  private static final String NS = "sparkpool";
  private static final String POOL = "lake";
  private static final String OLD_SPARK = "4.2.1";
  private static final String NEW_SPARK = "4.3.0";
  private static KubernetesClient operatorClient;
  private static BatonOperator operator;
  private static PySparkGateway pyspark;
  private static String analyst;

  @BeforeAll
  static void start() throws Exception {
    PySpark.python(); // each made once per machine; a minute or two the first time
    SparkHomes.of(OLD_SPARK);
    SparkHomes.of(NEW_SPARK);
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    operatorClient = cluster.controlPlane().adminClient();
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
    pyspark = PySparkGateway.withCertificate(cluster, NS, "lake-tls");
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: lake, namespace: sparkpool}
        spec:
          replicas: 2
          driver:
            kind: SparkConnect
            image: apache/spark:%s
            spark:
              master: local[1]
              conf:
                spark.sql.shuffle.partitions: "2"
                spark.ui.enabled: "false"
                spark.sql.session.timeZone: UTC
                # Streams end after 1 s and clients reattach: every long query reattaches, moves or not.
                spark.connect.execute.reattachable.senderMaxStreamDuration: 1s
          upgrade: {maxSurge: 1}
          gateway:
            tlsSecret: lake-tls
            services: [spark.connect.SparkConnectService, grpc.health.v1.Health]
        """.formatted(OLD_SPARK));
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p != null && p.getStatus() != null
            && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()), 300, TimeUnit.SECONDS);
    analyst = pyspark.serviceAccountToken("analyst");
    pyspark.start(POOL, "lake-tls");
  }

  @AfterAll
  static void stop() throws Exception {
    if (pyspark != null) {
      pyspark.close();
    }
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
  }

  private static List<Pod> drivers() {
    return cluster.client().pods().inNamespace(NS).withLabels(dev.baton.api.PoolLabels.driverSelector(POOL)).list()
        .getItems();
  }

  @Test
  @Order(1)
  void pysparkDataFramesSqlTempViewsAndConfRunOnTheSparkDriversThroughTheGateway() throws Exception {
    assertThat(drivers()).hasSize(2).allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage())
        .isEqualTo("apache/spark:" + OLD_SPARK));
    Map<String, String> env = new HashMap<>(pyspark.trust());
    env.put("EXPECTED_SPARK_VERSION", OLD_SPARK);
    PySpark.Result r = PySpark.run("dataframe_operations.py", Duration.ofMinutes(5), env, pyspark.url(analyst, null));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    Matcher passed = Pattern.compile("PASSED (\\d+) checks").matcher(r.output());
    assertThat(passed.find()).as(r.summary()).isTrue();
    assertThat(Integer.parseInt(passed.group(1))).isGreaterThanOrEqualTo(30);
    // spark.stop() released the session: its ClientSession goes, and with it the Spark copy.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!sessions().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(sessions()).isEmpty();
  }

  @Test
  @Order(2)
  void pysparkSessionsUnderLoadEndOnTheNewSparkVersionWithTheirConfAndViewsAndTheCacheLossIsReported()
      throws Exception {
    Set<String> before = new java.util.HashSet<>();
    sessions().forEach(cs -> before.add(cs.getMetadata().getName()));
    Path control = Files.createTempDirectory("spark-upgrade-load");
    PySpark.Running script = PySpark.start("spark_pool_upgrade.py", pyspark.trust(), pyspark.url(analyst, null),
        control.toString(), "2");
    script.awaitLine("READY", Duration.ofMinutes(2));
    Map<String, String> revisions = new HashMap<>();
    for (ClientSession cs : sessions()) {
      if (!before.contains(cs.getMetadata().getName())) {
        revisions.put(cs.getMetadata().getName(), cs.getStatus().getRevision());
      }
    }
    assertThat(revisions).hasSize(2);
    var patched = cluster.controlPlane().kubectl("patch", "driverpool/" + POOL, "-n", NS, "--type=merge", "-p",
        "{\"spec\":{\"driver\":{\"image\":\"apache/spark:" + NEW_SPARK + "\"}}}");
    assertThat(patched.exitCode()).as(patched.output()).isZero();
    DriverPool upgraded = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getCurrentRevision() != null
            && !revisions.containsValue(p.getStatus().getCurrentRevision())
            && moved(revisions).stream().allMatch(cs -> cs.getStatus().getPhase() == SessionPhase.Bound
                && cs.getStatus().getMove() == null
                && p.getStatus().getCurrentRevision().equals(cs.getStatus().getRevision())), 600, TimeUnit.SECONDS);
    assertThat(upgraded.getStatus().getCurrentRevision()).isNotIn(revisions.values());
    for (ClientSession cs : moved(revisions)) {
      Pod pod = cluster.client().pods().inNamespace(NS).withName(cs.getStatus().getDriverPod()).get();
      assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("apache/spark:" + NEW_SPARK);
      // The cached DataFrame could not move, and the session says so.
      assertThat(cs.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("StateLost");
        assertThat(c.getReason()).isEqualTo("NotMovable");
        assertThat(c.getMessage()).contains("cached DataFrame");
      });
    }
    Files.createFile(control.resolve("stop"));
    PySpark.Result r = script.finish(Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    Matcher passed = Pattern.compile("PASSED (\\d+)").matcher(r.output());
    assertThat(passed.find()).as(r.summary()).isTrue();
    assertThat(Integer.parseInt(passed.group(1))).isPositive();
    assertThat(r.output().lines().filter(l -> l.startsWith("SPARK ")).toList())
        .as("each session's server, as its client sees it").containsExactly("SPARK " + NEW_SPARK, "SPARK " + NEW_SPARK);
  }

  @Test
  @Order(3)
  void aQueryRunningWhenItsSessionMovesFinishesOnTheDriverItStartedOn() throws Exception {
    Path control = Files.createTempDirectory("spark-query-move");
    PySpark.Running script = PySpark.start("spark_query_across_move.py", pyspark.trust(), pyspark.url(analyst, null),
        control.toString());
    String id = sessionOf(script);
    ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id).get();
    String from = cs.getStatus().getDriverPod();
    Pod fromPod = cluster.client().pods().inNamespace(NS).withName(from).get();
    Files.createFile(control.resolve("go"));
    script.awaitLine("ISSUED", Duration.ofSeconds(30));
    // The query runs (its UDF waits for the release file) before the move starts.
    String controlToken = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, POOL);
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (prober.status(fromPod.getStatus().getPodIP(), controlToken).map(st -> st.getOperationsInFlight())
          .orElse(0) < 1 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(prober.status(fromPod.getStatus().getPodIP(), controlToken)).hasValueSatisfying(
          st -> assertThat(st.getOperationsInFlight()).isPositive());
    }
    cluster.client().pods().inNamespace(NS).withName(from).edit(p -> {
      p.getMetadata().getLabels().put(dev.baton.api.PoolLabels.DRAINING, "true");
      return p;
    });
    // Moved while its query still runs (it cannot end before the release file exists); the
    // client's reattaches during and after the move keep going to the old driver.
    cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id)
        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getPhase() == SessionPhase.Bound
            && c.getStatus().getMove() == null && !from.equals(c.getStatus().getDriverPod()), 180, TimeUnit.SECONDS);
    // Reattaches answered OK after the move (each stream lasts at most 1 s while the query waits).
    double before = reattachesOk();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (reattachesOk() < before + 2 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(reattachesOk()).as("reattaches of the running query after the move").isGreaterThanOrEqualTo(before + 2);
    assertThat(cluster.client().pods().inNamespace(NS).withName(from).get())
        .as("the old driver stays while the query runs").isNotNull();
    Files.createFile(control.resolve("release"));
    PySpark.Result r = script.finish(Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    assertThat(r.output()).contains("PASSED");
  }

  @Test
  @Order(4)
  void aSessionWhoseSparkDriverIsKilledCarriesOnOnAnotherDriverFromItsRecordedState() throws Exception {
    Path control = Files.createTempDirectory("spark-driver-lost");
    PySpark.Running script = PySpark.start("spark_driver_lost.py", pyspark.trust(), pyspark.url(analyst, null),
        control.toString());
    String id = sessionOf(script);
    ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id).get();
    String victim = cs.getStatus().getDriverPod();
    // The driver streams the session's state to the operator as it changes: a change made once
    // the operator holds a record arrives by the stream, nothing changing the ClientSession.
    String key = RecordedStates.key(NS, POOL, cs.getSpec().getPrincipal(), id);
    awaitRecord(key, victim, "SQL: CREATE OR REPLACE TEMP VIEW numbers AS SELECT id FROM range(100)");
    Files.createFile(control.resolve("more"));
    script.awaitLine("CHANGED", Duration.ofSeconds(30));
    // The script's last change: the stream may deliver the state between its two changes first.
    RecordedStates.Recorded streamed = awaitRecord(key, victim,
        "SQL: CREATE OR REPLACE TEMP VIEW later AS SELECT 7 AS seven");
    assertThat(streamed.streamed()).as("delivered by the driver's stream").isTrue();
    assertThat(streamed.snapshot().getSparkReplayList()).extracting(s -> s.getSummary()).contains(
        "SET spark.baton.survivor", "SQL: CREATE OR REPLACE TEMP VIEW numbers AS SELECT id FROM range(100)",
        "SET spark.baton.later");
    ProcessHandle driver = cluster.containerProcess(NS, victim, "driver").orElseThrow();
    driver.descendants().forEach(ProcessHandle::destroyForcibly);
    driver.destroyForcibly(); // SIGKILL
    ClientSession replaced = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id)
        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getPhase() == SessionPhase.Bound
            && !victim.equals(c.getStatus().getDriverPod()), 300, TimeUnit.SECONDS);
    assertThat(replaced.getStatus().getConditions()).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("StateLost");
      assertThat(c.getReason()).isEqualTo("DriverLost");
      assertThat(c.getMessage()).contains("from the state its driver recorded").contains("operations that were running");
    });
    Files.createFile(control.resolve("go"));
    PySpark.Result r = script.finish(Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    assertThat(r.output()).contains("PASSED");
  }

  /** The operator's record of session {@code key} from {@code driver} once it has a step named {@code step} (20 s). */
  private static RecordedStates.Recorded awaitRecord(String key, String driver, String step)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      var r = operator.recordedStates().get(key, driver);
      if (r.isPresent() && r.get().snapshot().getSparkReplayList().stream().anyMatch(s -> s.getSummary().equals(step))) {
        return r.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no record of " + key + " from " + driver + " with step '" + step + "': "
        + operator.recordedStates().get(key, driver));
  }

  /** The session id a script prints ("SESSION <id>"), once it says READY. */
  private static String sessionOf(PySpark.Running script) throws InterruptedException {
    String line = script.awaitLine("SESSION ", Duration.ofMinutes(2));
    script.awaitLine("READY", Duration.ofMinutes(1));
    return line.substring(line.indexOf("SESSION ") + "SESSION ".length()).strip();
  }

  /** ReattachExecute calls the gateway completed with OK, from its metrics. */
  private static double reattachesOk() {
    Matcher m = Pattern.compile("baton_gateway_calls_total\\{code=\"OK\","
        + "method=\"spark.connect.SparkConnectService/ReattachExecute\"\\} ([0-9.eE+]+)")
        .matcher(pyspark.server().metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static List<ClientSession> moved(Map<String, String> revisions) {
    return sessions().stream().filter(cs -> revisions.containsKey(cs.getMetadata().getName())).toList();
  }

  private static List<ClientSession> sessions() {
    return cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems().stream()
        .filter(cs -> cs.getSpec().getSessionId() != null).toList();
  }
}

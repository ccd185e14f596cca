package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.pool.GatewayObjects;
import dev.baton.api.PoolLabels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway as the operator deploys it: two replicas of the real gateway process, as pods of
 * the local node, run as the gateway ServiceAccount under the RBAC the operator grants it, in
 * front of two drivers that accept only the pool's control token. Clients use the gateway pods'
 * addresses (no kube-proxy runs here), both at once.
 */
class GatewayPodsIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().withLocalNode().build();
  private static final String NS = "fleet";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static BatonOperator operator;

  @BeforeAll
  static void start() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    // The chart's namespace-scoped mode: the operator's rights are bound in this namespace only.
    operator = new BatonOperator(cluster.operatorClientWithChartRbac(Map.of("watchNamespaces[0]", NS)), Set.of(NS),
        null).start();
    cluster.apply("""
        apiVersion: v1
        kind: Secret
        metadata: {name: fleet-tokens, namespace: fleet}
        stringData: {alice: alice-token}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: fleet, namespace: fleet}
        spec:
          replicas: 2
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          sessions: {maxPerPrincipal: 60}
          gateway:
            replicas: 2
            image: registry.example/baton-gateway:1.0.0
            tokenSecret: fleet-tokens
        """);
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("fleet")
        .waitUntilCondition(p -> p != null && p.getStatus() != null && p.getStatus().getGateway() != null
            && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas())
            && Integer.valueOf(2).equals(p.getStatus().getGateway().getReadyReplicas()), 300, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  private static List<Pod> gateways() {
    return GatewayPods.ready(cluster.client(), NS, "fleet");
  }

  private static List<Pod> bothGateways() throws InterruptedException {
    return GatewayPods.both(cluster.client(), NS, "fleet");
  }

  private static String target() throws InterruptedException {
    return GatewayPods.target(cluster.client(), NS, "fleet");
  }

  private static String metrics(Pod gateway) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + gateway.getStatus().getPodIP() + ":"
        + GatewayObjects.HEALTH_PORT + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static double metric(String scrape, String regex) {
    Matcher m = Pattern.compile(regex + " ([0-9.eE+]+)").matcher(scrape);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  /** OK session calls a gateway replica has served (its own metrics). */
  private static double okCalls(Pod gateway) {
    try {
      return metric(metrics(gateway), "baton_gateway_calls_total\\{code=\"OK\",method=\"baton.v1.SessionService/\\w+\"\\}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aSessionWorksThroughBothReplicas() throws Exception {
    List<Pod> replicas = bothGateways();
    String id;
    try (Session s = Baton.builder().target(target()).token("alice-token").connect()) {
      id = s.id();
      assertThat(s.range(0, 1000).count()).isEqualTo(1000);
      for (int i = 0; i < 6; i++) {
        assertThat(s.range(0, 10).filter(dev.baton.client.Functions.col("id").gt(4)).count()).isEqualTo(5);
      }
      long rows = 0;
      try (ArrowBatchStream stream = s.range(0, 1_000_000).stream()) {
        while (stream.next()) {
          rows += stream.root().getRowCount();
        }
      }
      assertThat(rows).isEqualTo(1_000_000L);
      // The client balances over the replicas it is connected to; a replica whose connection is
      // still being set up gets no calls yet. Call until each has served one, within a bound.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!replicas.stream().allMatch(g -> okCalls(g) > 0) && System.nanoTime() < deadline) {
        assertThat(s.range(0, 10).count()).isEqualTo(10);
      }
      ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems().stream()
          .filter(c -> c.getStatus() != null && id.equals(c.getStatus().getSessionId())).findFirst().orElseThrow();
      assertThat(cs.getSpec().getPrincipal()).isEqualTo("token:alice");
    }
    // Calls of the one session were spread over both replicas, and each one served some.
    for (Pod g : replicas) {
      assertThat(okCalls(g)).as("OK calls served by " + g.getMetadata().getName()).isGreaterThan(0);
    }
    // Closing removed the ClientSession the gateway created for it.
    cluster.client().resources(ClientSession.class).inNamespace(NS)
        .informOnCondition(list -> list.stream().noneMatch(c -> c.getStatus() != null
            && id.equals(c.getStatus().getSessionId()))).get(60, TimeUnit.SECONDS);
  }

  @Test
  void aReplicaKilledMidStreamLosesNothing() throws Exception {
    try (Session s = Baton.builder().target(target()).token("alice-token").batchRows(5000).connect()) {
      long rows = 0;
      long expected = 0;
      boolean killed = false;
      try (ArrowBatchStream stream = s.range(0, 2_000_000).stream()) {
        while (stream.next()) {
          BigIntVector ids = (BigIntVector) stream.root().getVector(0);
          for (int i = 0; i < ids.getValueCount(); i++) {
            assertThat(ids.get(i)).as("every row once, in order").isEqualTo(expected++);
          }
          rows += ids.getValueCount();
          if (!killed && rows >= 100_000) {
            kill(carrier());
            killed = true;
          }
          if (rows < 200_000) {
            Thread.sleep(20);
          }
        }
      }
      assertThat(killed).isTrue();
      assertThat(rows).isEqualTo(2_000_000L);
      // The session is still usable afterwards, and the replica comes back.
      assertThat(s.range(0, 10).count()).isEqualTo(10);
      assertThat(bothGateways()).hasSize(2);
    }
  }

  @Test
  void scalingDownFourToTwoUnderLoadMovesEachSessionOnceAndLosesNothing() throws Exception {
    String control = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, "fleet");
    scale(4);
    String target = target();
    int sessionCount = 40;
    int threads = 8;
    List<Session> sessions = new ArrayList<>();
    for (int i = 0; i < sessionCount; i++) {
      sessions.add(Baton.builder().target(target).token("alice-token").batchRows(10_000).connect());
    }
    Map<String, ClientSession> before = clientSessions(sessions);
    for (Session s : sessions) {
      s.sql("CREATE TEMP TABLE writes (n BIGINT)").collect();
    }
    // Each thread owns sessions; it writes (config, views, temp-table rows), reads back what it
    // wrote, and streams 200,000 rows, continuously, before, during and after the scale-down.
    AtomicBoolean running = new AtomicBoolean(true);
    Map<String, AtomicLong> inserted = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicLong calls = new AtomicLong();
    AtomicLong streamed = new AtomicLong();
    ExecutorService load = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      List<Session> mine = new ArrayList<>();
      for (int i = t; i < sessionCount; i += threads) {
        mine.add(sessions.get(i));
      }
      load.submit(() -> {
        for (long round = 0; running.get(); round++) {
          for (Session s : mine) {
            try {
              long n = inserted.computeIfAbsent(s.id(), k -> new AtomicLong()).get();
              s.setConfig("user.round", Long.toString(round));
              s.sql("INSERT INTO writes VALUES (" + n + ")").collect();
              inserted.get(s.id()).incrementAndGet();
              s.sql("SELECT max(n) AS m FROM writes").createOrReplaceView("latest");
              assertThat(s.config()).containsEntry("user.round", Long.toString(round));
              assertThat(s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c")).isEqualTo(n + 1);
              assertThat(s.table("latest").collect().get(0).getLong("m")).isEqualTo(n);
              calls.addAndGet(7);
              if (round % 3 == 0) {
                long expected = 0;
                try (ArrowBatchStream stream = s.range(0, 200_000).stream()) {
                  while (stream.next()) {
                    BigIntVector ids = (BigIntVector) stream.root().getVector(0);
                    for (int i = 0; i < ids.getValueCount(); i++) {
                      if (ids.get(i) != expected++) {
                        throw new AssertionError("row " + ids.get(i) + " where " + (expected - 1) + " was due");
                      }
                    }
                  }
                }
                assertThat(expected).as("every row once").isEqualTo(200_000L);
                streamed.addAndGet(expected);
                calls.incrementAndGet();
              }
            } catch (Throwable e) {
              failures.add(e);
            }
          }
        }
        return null;
      });
    }
    Thread.sleep(3000);
    scale(2);
    Set<String> remaining = cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("fleet"))
        .list().getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    assertThat(remaining).hasSize(2);
    Map<String, ClientSession> after = new HashMap<>();
    for (ClientSession cs : before.values()) {
      after.put(cs.getStatus().getSessionId(), cluster.client().resources(ClientSession.class).inNamespace(NS)
          .withName(cs.getMetadata().getName()).waitUntilCondition(x -> x.getStatus().getMove() == null
              && x.getStatus().getPhase() == SessionPhase.Bound && remaining.contains(x.getStatus().getDriverPod()),
              180, TimeUnit.SECONDS));
    }
    Thread.sleep(3000); // keep calling the sessions where they are now
    running.set(false);
    load.shutdown();
    assertThat(load.awaitTermination(120, TimeUnit.SECONDS)).isTrue();

    assertThat(failures).as("failed calls").isEmpty();
    assertThat(streamed.get()).as("rows streamed").isGreaterThan(0);
    int moved = 0;
    for (ClientSession cs : before.values()) {
      ClientSession now = after.get(cs.getStatus().getSessionId());
      assertThat(now.getStatus().getSessionId()).as("id of %s", cs.getMetadata().getName())
          .isEqualTo(cs.getStatus().getSessionId());
      boolean hadToMove = !remaining.contains(cs.getStatus().getDriverPod());
      assertThat(now.getStatus().getMigrations()).as("moves of %s", cs.getMetadata().getName())
          .isEqualTo(hadToMove ? 1 : 0);
      moved += hadToMove ? 1 : 0;
    }
    assertThat(moved).as("sessions that were on the removed drivers").isGreaterThan(0);
    // Each session on exactly one driver, and every write it made readable.
    Map<String, Integer> copies = new HashMap<>();
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      for (Pod p : cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("fleet")).list()
          .getItems()) {
        if (p.getMetadata().getDeletionTimestamp() == null) {
          prober.stub(p.getStatus().getPodIP(), control)
              .listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList()
              .forEach(i -> copies.merge(i.getSessionId(), 1, Integer::sum));
        }
      }
    }
    for (Session s : sessions) {
      assertThat(copies.get(s.id())).as("copies of %s", s.id()).isEqualTo(1);
      assertThat(s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c"))
          .isEqualTo(inserted.get(s.id()).get());
      s.close();
    }
    System.out.printf("scale-down 4->2 under load: %d sessions, %d moved, %d calls, %d rows streamed, 0 failed%n",
        sessionCount, moved, calls.get(), streamed.get());
  }

  @Test
  void rotatingThePoolsTokensUnderLoadKeepsEveryDriverAndSessionAndRetiresTheOldTokens() throws Exception {
    String oldControl = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, "fleet");
    String oldSession = dev.baton.operator.pool.ControlTokens.sessionToken(oldControl);
    Map<String, String> driversBefore = drivers();
    List<Session> sessions = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sessions.add(Baton.builder().target(target()).token("alice-token").batchRows(10_000).connect());
    }
    Map<String, ClientSession> before = clientSessions(sessions);
    String requested = java.time.Instant.now().toString();
    SessionLoad load = new SessionLoad(sessions, 4, 50_000);
    try {
      Thread.sleep(2000);
      var annotated = cluster.controlPlane().kubectl("annotate", "driverpool/fleet", "-n", NS, "--overwrite",
          PoolLabels.ROTATE_TOKENS_AT + "=" + requested);
      assertThat(annotated.exitCode()).as(annotated.output()).isZero();
      DriverPool done = cluster.client().resources(DriverPool.class).inNamespace(NS).withName("fleet")
          .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getTokenRotation() != null
              && requested.equals(p.getStatus().getTokenRotation().getRequested())
              && p.getStatus().getTokenRotation().getStep() == dev.baton.api.model.TokenRotationStep.Complete,
              240, TimeUnit.SECONDS);
      assertThat(done.getStatus().getTokenRotation().getMessage()).isNull();
      Thread.sleep(2000); // keep calling with the new tokens only
    } finally {
      load.close();
    }
    assertThat(load.failures()).as("failed calls during the rotation").isEmpty();

    String newControl = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, "fleet");
    assertThat(newControl).as("a new control token").isNotEqualTo(oldControl);
    assertThat(cluster.client().secrets().inNamespace(NS).withName("fleet-control").get().getData())
        .as("no old token is listed any more").doesNotContainKey("accepted");
    assertThat(drivers()).as("the same driver pods, none restarted").isEqualTo(driversBefore);
    String newFingerprint = dev.baton.proto.v1.TokenFingerprints.of(
        dev.baton.operator.pool.ControlTokens.sessionToken(newControl));
    for (Pod gw : gateways()) {
      assertThat(metrics(gw)).as("gateway %s sends the new session token", gw.getMetadata().getName())
          .contains("baton_gateway_session_token{sha256_prefix=\"" + newFingerprint + "\"}");
    }
    for (ClientSession cs : before.values()) {
      ClientSession now = cluster.client().resources(ClientSession.class).inNamespace(NS)
          .withName(cs.getMetadata().getName()).get();
      assertThat(now.getStatus().getDriverPod()).isEqualTo(cs.getStatus().getDriverPod());
      assertThat(now.getStatus().getMigrations()).as("no session moved").isEqualTo(cs.getStatus().getMigrations());
    }
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      for (Pod p : cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("fleet")).list()
          .getItems()) {
        String ip = p.getStatus().getPodIP();
        var status = prober.stub(ip, newControl).status(dev.baton.proto.v1.StatusRequest.getDefaultInstance());
        assertThat(status.getRetiringTokensAccepted()).isFalse();
        assertThatThrownBy(() -> prober.stub(ip, oldControl).status(dev.baton.proto.v1.StatusRequest.getDefaultInstance()))
            .as("the old control token opens nothing")
            .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> {
          try (Session direct = Baton.builder().target(ip + ":" + PoolLabels.DRIVER_PORT).principal("alice")
              .header("baton-session-token", oldSession).retryPolicy(dev.baton.client.RetryPolicy.none()).connect()) {
            direct.range(0, 1).count();
          }
        }).as("the old session token opens nothing").isInstanceOfSatisfying(dev.baton.client.BatonException.class,
            e -> assertThat(e.code()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
      }
    }
    for (Session s : sessions) {
      assertThat(s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c"))
          .as("every write of %s", s.id()).isEqualTo(load.inserted(s.id()));
      s.close();
    }
    System.out.printf("token rotation under load: %d sessions on %d drivers, %s%n", sessions.size(),
        driversBefore.size(), load.summary());
  }

  /** The pool's live driver pods: name -> uid and container restarts. */
  private static Map<String, String> drivers() {
    return cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("fleet")).list().getItems()
        .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid() + "/"
            + p.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount()).sum()));
  }

  private static void scale(int replicas) throws Exception {
    var scaled = cluster.controlPlane().kubectl("scale", "driverpool/fleet", "-n", NS, "--replicas=" + replicas);
    assertThat(scaled.exitCode()).as(scaled.output()).isZero();
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("fleet")
        .waitUntilCondition(p -> p.getStatus() != null && Integer.valueOf(replicas).equals(p.getStatus().getReplicas())
            && Integer.valueOf(replicas).equals(p.getStatus().getReadyReplicas()), 300, TimeUnit.SECONDS);
  }

  /** The ClientSessions the gateway made for these sessions, by session id. */
  private static Map<String, ClientSession> clientSessions(List<Session> sessions) {
    Set<String> ids = sessions.stream().map(Session::id).collect(Collectors.toSet());
    Map<String, ClientSession> out = new HashMap<>();
    for (ClientSession cs : cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()) {
      if (cs.getStatus() != null && ids.contains(cs.getStatus().getSessionId())) {
        out.put(cs.getStatus().getSessionId(), cs);
      }
    }
    assertThat(out).hasSize(sessions.size());
    return out;
  }

  /** The replica carrying the open stream, by its open-calls gauge. */
  private static Pod carrier() throws Exception {
    for (Pod g : gateways()) {
      if (metric(metrics(g), "baton_gateway_open_calls") >= 1) {
        return g;
      }
    }
    throw new AssertionError("no gateway reports the open stream");
  }

  private static void kill(Pod gateway) {
    ProcessHandle p = cluster.node().containerProcess(NS, gateway.getMetadata().getName(), "gateway").orElseThrow();
    p.destroyForcibly();
    p.onExit().orTimeout(10, TimeUnit.SECONDS).join();
  }
}

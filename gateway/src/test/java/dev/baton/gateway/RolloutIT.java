package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.PoolLabels;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.RolloutPhase;
import dev.baton.api.model.SessionPhase;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.pool.ControlTokens;
import dev.baton.operator.pool.DriverProber;
import dev.baton.operator.pool.GatewayObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rolling a pool to a new driver version under live load: the real operator, two gateway
 * replicas as pods and the SDK as the client, on the real control plane with two local nodes.
 * Each test leaves the pool complete at some revision; the next one rolls it on from there.
 */
class RolloutIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().withLocalNodes(2).build();
  private static final String NS = "roll";
  private static final String POOL = "roll";
  private static final AtomicInteger VERSION = new AtomicInteger(1);
  private static BatonOperator operator;
  private static GatewayEndpoints endpoints;
  private final List<Session> sessions = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    // The chart's namespace-scoped mode: the operator's rights are bound in this namespace only.
    cluster.operatorClientWithChartRbac(Map.of("watchNamespaces[0]", NS));
    operator = newOperator();
    endpoints = GatewayEndpoints.register(cluster.client());
    cluster.apply("""
        apiVersion: v1
        kind: Secret
        metadata: {name: roll-tokens, namespace: roll}
        stringData: {alice: alice-token}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: roll, namespace: roll}
        spec:
          replicas: 3
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          sessions: {maxPerPrincipal: 100}
          upgrade: {drainTimeout: 60s}
          gateway:
            replicas: 2
            image: registry.example/baton-gateway:1.0.0
            tokenSecret: roll-tokens
        """);
    gate(1);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (endpoints != null) {
      endpoints.close();
    }
  }

  private static BatonOperator newOperator() {
    return new BatonOperator(cluster.clientAsServiceAccount("baton-system", "baton-operator"), Set.of(NS), null).start();
  }

  @BeforeEach
  void poolIsSettled() throws Exception {
    gate(pool().getMetadata().getGeneration());
  }

  @AfterEach
  void closeSessions() throws Exception {
    for (Session s : sessions) {
      s.close();
    }
    sessions.clear();
    cluster.client().resources(ClientSession.class).inNamespace(NS).delete();
    // Gone, finalizers and all, before the next test declares sessions of the same names.
    cluster.client().resources(ClientSession.class).inNamespace(NS).informOnCondition(List::isEmpty)
        .get(120, TimeUnit.SECONDS);
  }

  @Test
  void rollingHandoffUnderLoadSurvivesThreeOperatorRestartsAndMovesEachSessionOnce() throws Exception {
    openSessions(30, 30);
    try (SessionLoad load = new SessionLoad(sessions, 8, 100_000)) {
      Thread.sleep(2000);
      Map<String, ClientSession> before = clientSessions();
      String image = nextImage();
      long generation = patch("{\"spec\":{\"driver\":{\"image\":\"" + image + "\"}}}");
      // The documented pipeline gate, started right after the edit: it must not return early.
      CompletableFuture<Void> gate = CompletableFuture.runAsync(() -> gate(generation));
      String newRevision = awaitRollout(generation).getRevision();
      // The operator stops and starts again at three points of the rollout: right after it
      // started, once sessions have begun to move, and once most have moved.
      restartOperatorWhen(p -> p.getStatus().getRollout() != null && newRevision.equals(p.getStatus().getRollout().getRevision()));
      restartOperatorWhen(p -> moved(p) >= 1);
      restartOperatorWhen(p -> moved(p) >= 30 || p.getStatus().getRollout().getPhase() == RolloutPhase.Complete);
      gate.get(300, TimeUnit.SECONDS);
      assertRolledOnce(before, newRevision, load);
    }
  }

  @Test
  void blueGreenUnderLoadMovesEachSessionOnceOnlyAfterTheWholeNewSetServes() throws Exception {
    openSessions(6, 12);
    try (SessionLoad load = new SessionLoad(sessions, 8, 100_000)) {
      Thread.sleep(2000);
      Map<String, ClientSession> before = clientSessions();
      long generation = patch("{\"spec\":{\"upgrade\":{\"strategy\":\"BlueGreen\"},\"driver\":{\"image\":\""
          + nextImage() + "\"}}}");
      String newRevision = awaitRollout(generation).getRevision();
      // No session moves before all three new drivers serve.
      DriverPool firstMove = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> moved(p) >= 1 || p.getStatus().getRollout().getPhase() == RolloutPhase.Complete,
              300, TimeUnit.SECONDS);
      assertThat(firstMove.getStatus().getRollout().getDriversUpdated()).isEqualTo(3);
      gate(generation);
      assertRolledOnce(before, newRevision, load);
    } finally {
      patch("{\"spec\":{\"upgrade\":{\"strategy\":\"RollingHandoff\"}}}");
    }
  }

  @Test
  void aNewImageThatNeverServesRollsBackAfterTheDeadlineAndIsNotTriedAgain() throws Exception {
    openSessions(0, 6);
    String stable = pool().getStatus().getCurrentRevision();
    try (SessionLoad load = new SessionLoad(sessions, 3, 10_000)) {
      long generation = patch("{\"spec\":{\"upgrade\":{\"progressDeadline\":\"20s\"},"
          + "\"driver\":{\"image\":\"registry.example/baton-driver-typo:2.0.0\"}}}");
      var rollout = awaitRollout(generation);
      String broken = rollout.getRevision();
      assertThat(broken).isNotEqualTo(stable);
      Instant lastProgress = Instant.parse(rollout.getLastProgressTime());
      DriverPool rolledBack = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> p.getStatus().getRollout().getPhase() == RolloutPhase.RolledBack,
              180, TimeUnit.SECONDS);
      Condition progressing = condition(rolledBack, "Progressing");
      assertThat(progressing.getStatus()).isEqualTo("False");
      assertThat(progressing.getReason()).isEqualTo("RolledBack");
      assertThat(Instant.parse(progressing.getLastTransitionTime())).as("not before the deadline")
          .isAfterOrEqualTo(lastProgress.plusSeconds(20));
      assertThat(rolledBack.getStatus().getRollout().getFailedRevision()).isEqualTo(broken);
      assertThat(rolledBack.getStatus().getCurrentRevision()).isEqualTo(stable);
      assertThat(rolledBack.getStatus().getUpdateRevision()).isEqualTo(stable);
      assertThat(condition(rolledBack, "RolloutComplete").getStatus()).isEqualTo("False");
      // The spec still names the broken image: for a while longer, no driver of it is created again.
      Thread.sleep(8000);
      assertThat(driverPods().stream().map(p -> p.getMetadata().getLabels().get(PoolLabels.REVISION)))
          .containsOnly(stable);
      assertThat(cluster.client().v1().events().inNamespace(NS).list().getItems().stream()
          .filter(e -> "DriverCreated".equals(e.getReason()) && e.getMessage().contains(broken)).count())
          .as("drivers ever created at the broken revision").isEqualTo(1);
      assertThat(load.failures()).as("failed calls").isEmpty();
    } finally {
      // A fixed spec is tried at once.
      long fixed = patch("{\"spec\":{\"upgrade\":{\"progressDeadline\":\"10m\"},\"driver\":{\"image\":\""
          + nextImage() + "\"}}}");
      gate(fixed);
    }
  }

  @Test
  void withoutAutoRollbackAStuckRolloutStopsAtTheDeadlineAndTheOldDriversKeepServing() throws Exception {
    openSessions(0, 6);
    String stable = pool().getStatus().getCurrentRevision();
    Set<String> oldDrivers = driverPods().stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    try (SessionLoad load = new SessionLoad(sessions, 3, 10_000)) {
      long generation = patch("{\"spec\":{\"upgrade\":{\"progressDeadline\":\"15s\",\"autoRollback\":false},"
          + "\"driver\":{\"image\":\"registry.example/baton-driver-typo:3.0.0\"}}}");
      Instant lastProgress = Instant.parse(awaitRollout(generation).getLastProgressTime());
      DriverPool failed = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> p.getStatus().getRollout().getPhase() == RolloutPhase.Failed, 120, TimeUnit.SECONDS);
      Condition progressing = condition(failed, "Progressing");
      assertThat(progressing.getStatus()).isEqualTo("False");
      assertThat(progressing.getReason()).isEqualTo("ProgressDeadlineExceeded");
      assertThat(Instant.parse(progressing.getLastTransitionTime())).as("not before the deadline")
          .isAfterOrEqualTo(lastProgress.plusSeconds(15));
      assertThat(failed.getStatus().getCurrentRevision()).isEqualTo(stable);
      // For a while longer: every old driver still there, serving, not draining.
      Thread.sleep(8000);
      List<Pod> old = driverPods().stream().filter(p -> stable.equals(p.getMetadata().getLabels()
          .get(PoolLabels.REVISION))).toList();
      assertThat(old).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(oldDrivers);
      assertThat(old).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).doesNotContainKey(PoolLabels.DRAINING));
      assertThat(condition(pool(), "Available").getStatus()).isEqualTo("True");
      assertThat(load.failures()).as("failed calls").isEmpty();
    } finally {
      long fixed = patch("{\"spec\":{\"upgrade\":{\"progressDeadline\":\"10m\",\"autoRollback\":true},"
          + "\"driver\":{\"image\":\"" + nextImage() + "\"}}}");
      gate(fixed);
    }
  }

  @Test
  void aRolloutPausedAndThenRevertedEndsOnTheOldRevisionWithEachSessionMovedAtMostTwice() throws Exception {
    openSessions(4, 8);
    String original = pool().getStatus().getCurrentRevision();
    String originalImage = pool().getSpec().getDriver().getImage();
    try (SessionLoad load = new SessionLoad(sessions, 6, 50_000)) {
      Map<String, ClientSession> before = clientSessions();
      long generation = patch("{\"spec\":{\"driver\":{\"image\":\"" + nextImage() + "\"}}}");
      awaitRollout(generation);
      cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> moved(p) >= 1, 300, TimeUnit.SECONDS);
      patch("{\"spec\":{\"upgrade\":{\"paused\":true}}}");
      DriverPool paused = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> p.getStatus().getRollout().getPhase() == RolloutPhase.Paused, 60, TimeUnit.SECONDS);
      assertThat(condition(paused, "Progressing").getReason()).isEqualTo("Paused");
      assertThat(condition(paused, "Progressing").getStatus()).isEqualTo("False");
      // Paused: no driver is created and none starts draining (moves already under way finish,
      // and drained drivers that emptied are removed).
      Map<String, Boolean> whilePaused = drainingByDriver();
      Thread.sleep(6000);
      Map<String, Boolean> later = drainingByDriver();
      assertThat(whilePaused.keySet()).as("no driver created while paused").containsAll(later.keySet());
      later.forEach((name, draining) -> assertThat(draining).as("%s started draining while paused", name)
          .isEqualTo(whilePaused.get(name)));
      long reverted = patch("{\"spec\":{\"upgrade\":{\"paused\":false},\"driver\":{\"image\":\"" + originalImage
          + "\"}}}");
      gate(reverted);
      DriverPool done = pool();
      assertThat(done.getStatus().getCurrentRevision()).isEqualTo(original);
      awaitSessionsAt(original);
      for (ClientSession cs : before.values()) {
        ClientSession now = session(cs.getMetadata().getName());
        assertThat(now.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
        assertThat(now.getStatus().getMigrations() - cs.getStatus().getMigrations())
            .as("moves of %s", cs.getMetadata().getName()).isBetween(0, 2);
      }
      Thread.sleep(2000);
      load.close();
      assertThat(load.failures()).as("failed calls").isEmpty();
      assertWritesReadable(load);
      System.out.println("paused and reverted under load: " + load.summary());
    }
  }

  @Test
  void aRestartAnnotationMovesEverySessionOnceAndTheGateWaitsForIt() throws Exception {
    openSessions(4, 6);
    try (SessionLoad load = new SessionLoad(sessions, 5, 50_000)) {
      Map<String, ClientSession> before = clientSessions();
      String at = Instant.now().toString();
      var annotated = cluster.controlPlane().kubectl("annotate", "driverpool/" + POOL, "-n", NS, "--overwrite",
          PoolLabels.RESTARTED_AT + "=" + at);
      assertThat(annotated.exitCode()).as(annotated.output()).isZero();
      // The runbook's gate for a restart: the rollout of this restart, then complete.
      kubectlWait("--for=jsonpath={.status.rollout.restartedAt}=" + at);
      kubectlWait("--for=condition=RolloutComplete");
      assertRolledOnce(before, pool().getStatus().getCurrentRevision(), load);
    }
  }

  @Test
  void aNodeDrainWaitsWhileEverySessionMovesOffItsDriversAndFailsNoCall() throws Exception {
    openSessions(4, 10);
    String node = driverPods().stream().collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(),
        Collectors.counting())).entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Set<String> driversThere = driverPods().stream().filter(p -> node.equals(p.getSpec().getNodeName()))
        .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    String revision = pool().getStatus().getCurrentRevision();
    try (SessionLoad load = new SessionLoad(sessions, 6, 50_000)) {
      Map<String, ClientSession> before = clientSessions();
      Thread.sleep(1000);
      // What an administrator runs: cordon, then evict everything; the driver evictions are
      // refused (PodDisruptionBudget) until the operator has moved their sessions and removed them.
      var drained = cluster.controlPlane().kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
          "--timeout=300s");
      assertThat(drained.exitCode()).as(drained.output()).isZero();
      assertThat(drained.output()).as("the drain was refused while sessions were on its drivers")
          .contains("Cannot evict pod as it would violate the pod's disruption budget");
      assertThat(driverPods()).noneMatch(p -> node.equals(p.getSpec().getNodeName()));
      gate(pool().getMetadata().getGeneration());
      awaitSessionsAt(revision);
      Thread.sleep(2000);
      load.close();
      assertThat(load.failures()).as("failed calls").isEmpty();
      int moved = 0;
      for (ClientSession cs : before.values()) {
        ClientSession now = session(cs.getMetadata().getName());
        boolean wasThere = driversThere.contains(cs.getStatus().getDriverPod());
        assertThat(now.getStatus().getMigrations() - cs.getStatus().getMigrations())
            .as("moves of %s", cs.getMetadata().getName()).isEqualTo(wasThere ? 1 : 0);
        moved += wasThere ? 1 : 0;
      }
      assertThat(moved).as("sessions that were on the drained node").isGreaterThan(0);
      assertWritesReadable(load);
      System.out.printf("node drain under load: %d sessions, %d moved off %s, %s%n", sessions.size(), moved, node,
          load.summary());
    } finally {
      cluster.controlPlane().kubectl("uncordon", node);
    }
  }

  @Test
  void aSurgeThatCannotBeScheduledSaysInsufficientCapacityAndTheRolloutGoesOnWhenRoomIsMade() throws Exception {
    // Room for exactly what runs now on each node: the surge driver cannot be placed.
    Map<String, Long> running = cluster.client().pods().inAnyNamespace().list().getItems().stream()
        .filter(p -> p.getSpec().getNodeName() != null && p.getMetadata().getDeletionTimestamp() == null)
        .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting()));
    try {
      for (var n : cluster.nodes()) {
        setPodCapacity(n.name(), running.getOrDefault(n.name(), 0L).intValue());
      }
      long generation = patch("{\"spec\":{\"driver\":{\"image\":\"" + nextImage() + "\"}}}");
      awaitRollout(generation);
      DriverPool degraded = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> "True".equals(condition(p, "Degraded").getStatus()), 120, TimeUnit.SECONDS);
      assertThat(condition(degraded, "Degraded").getReason()).isEqualTo("InsufficientCapacity");
      assertThat(condition(degraded, "Available").getStatus()).as("old drivers keep serving").isEqualTo("True");
      assertThat(degraded.getStatus().getRollout().getDriversUpdated()).isZero();
    } finally {
      for (var n : cluster.nodes()) {
        setPodCapacity(n.name(), 250);
      }
    }
    gate(pool().getMetadata().getGeneration());
  }

  @Test
  void aStartingNewDriverAndAGatewayReplicaKilledMidRolloutFailNoCall() throws Exception {
    openSessions(2, 10);
    try (SessionLoad load = new SessionLoad(sessions, 6, 50_000)) {
      Map<String, ClientSession> before = clientSessions();
      long generation = patch("{\"spec\":{\"driver\":{\"image\":\"" + nextImage() + "\"}}}");
      String newRevision = awaitRollout(generation).getRevision();
      // A new driver's process is killed while it starts (it holds no session yet); the
      // operator replaces it and goes on.
      String victim = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (victim == null && System.nanoTime() < deadline) {
        for (Pod p : driverPods()) {
          boolean ready = p.getStatus().getConditions().stream()
              .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
          var process = cluster.containerProcess(NS, p.getMetadata().getName(), "driver");
          if (newRevision.equals(p.getMetadata().getLabels().get(PoolLabels.REVISION)) && !ready
              && process.isPresent()) {
            process.get().destroyForcibly();
            victim = p.getMetadata().getName();
            break;
          }
        }
        Thread.sleep(50);
      }
      assertThat(victim).as("a new driver caught while starting").isNotNull();
      // A gateway replica is killed once sessions move.
      cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
          .waitUntilCondition(p -> moved(p) >= 1, 300, TimeUnit.SECONDS);
      Pod gatewayPod = cluster.client().pods().inNamespace(NS).withLabels(GatewayObjects.selector(POOL)).list()
          .getItems().get(0);
      ProcessHandle gw = cluster.containerProcess(NS, gatewayPod.getMetadata().getName(), "gateway").orElseThrow();
      gw.destroyForcibly();
      gate(generation);
      String killed = victim;
      assertThat(cluster.client().v1().events().inNamespace(NS).list().getItems())
          .anyMatch(e -> "DriverLost".equals(e.getReason()) && e.getMessage().contains(killed));
      assertRolledOnce(before, newRevision, load);
    }
  }

  @Test
  void anOldDriverKilledMidRolloutLosesOnlyItsOwnSessionsStateAndEachOfThoseSeesAtMostOneError()
      throws Exception {
    openSessions(12, 0);
    Map<String, ClientSession> before = clientSessions();
    // Calls that need only declared state (a declared view, a range), so a session re-opened
    // from its declared state serves them again: what a lost driver costs is visible as errors.
    Map<String, java.util.concurrent.atomic.AtomicInteger> errors = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      List<Session> mine = new ArrayList<>();
      for (int i = t; i < sessions.size(); i += 4) {
        mine.add(sessions.get(i));
      }
      pool.submit(() -> {
        while (running.get()) {
          for (Session s : mine) {
            try {
              if (s.table("evens").count() != 50 || s.range(0, 10_000).count() != 10_000) {
                throw new AssertionError("wrong answer");
              }
            } catch (Throwable e) {
              errors.computeIfAbsent(s.id(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
          }
        }
        return null;
      });
    }
    long generation = patch("{\"spec\":{\"driver\":{\"image\":\"" + nextImage() + "\"}}}");
    String from = pool().getStatus().getCurrentRevision();
    String newRevision = awaitRollout(generation).getRevision();
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p.getStatus().getRollout().getDriversUpdated() >= 1, 300, TimeUnit.SECONDS);
    // An old driver that still holds sessions and is not being drained yet.
    Map<String, Long> perDriver = cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()
        .stream().filter(cs -> cs.getStatus() != null && cs.getStatus().getDriverPod() != null
            && cs.getStatus().getMove() == null)
        .collect(Collectors.groupingBy(cs -> cs.getStatus().getDriverPod(), Collectors.counting()));
    Pod victim = driverPods().stream()
        .filter(p -> from.equals(p.getMetadata().getLabels().get(PoolLabels.REVISION)))
        .filter(p -> !p.getMetadata().getLabels().containsKey(PoolLabels.DRAINING))
        .filter(p -> perDriver.getOrDefault(p.getMetadata().getName(), 0L) > 0)
        .findFirst().orElseThrow(() -> new AssertionError("no old driver with sessions left to kill"));
    Set<String> victims = before.values().stream()
        .filter(cs -> victim.getMetadata().getName().equals(session(cs.getMetadata().getName()).getStatus()
            .getDriverPod()))
        .map(cs -> cs.getStatus().getSessionId()).collect(Collectors.toSet());
    cluster.containerProcess(NS, victim.getMetadata().getName(), "driver").orElseThrow().destroyForcibly();
    gate(generation);
    awaitSessionsAt(newRevision);
    Thread.sleep(2000);
    running.set(false);
    pool.shutdown();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(victims).isNotEmpty();
    errors.forEach((id, n) -> {
      assertThat(victims).as("session %s saw %d errors but its driver was not killed", id, n.get()).contains(id);
      assertThat(n.get()).as("errors seen by %s", id).isLessThanOrEqualTo(1);
    });
    for (ClientSession cs : before.values()) {
      ClientSession now = session(cs.getMetadata().getName());
      assertThat(now.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
      boolean lost = victims.contains(cs.getStatus().getSessionId());
      assertThat(now.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("StateLost")
          && c.getStatus().equals("True") && c.getReason().equals("DriverLost")))
          .as("%s reports its lost state", cs.getMetadata().getName()).isEqualTo(lost);
    }
    System.out.printf("old driver killed mid-rollout: %d of %d sessions re-opened, errors %s%n", victims.size(),
        sessions.size(), errors);
  }

  // --- helpers -------------------------------------------------------------------------------

  private static String nextImage() {
    return "registry.example/baton-driver:1." + VERSION.getAndIncrement() + ".0";
  }

  /** The node's allocatable pods, as a kubelet would report a smaller or larger node. */
  private static void setPodCapacity(String node, int pods) {
    var n = cluster.client().nodes().withName(node).get();
    n.getStatus().getAllocatable().put("pods", new io.fabric8.kubernetes.api.model.Quantity(String.valueOf(pods)));
    n.getStatus().getCapacity().put("pods", new io.fabric8.kubernetes.api.model.Quantity(String.valueOf(pods)));
    cluster.client().nodes().resource(n).updateStatus();
  }

  private static DriverPool pool() {
    return cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL).get();
  }

  private static ClientSession session(String name) {
    return cluster.client().resources(ClientSession.class).inNamespace(NS).withName(name).get();
  }

  private static int moved(DriverPool p) {
    var r = p.getStatus().getRollout();
    return r == null || r.getSessionsMoved() == null ? 0 : r.getSessionsMoved();
  }

  private static Condition condition(DriverPool p, String type) {
    return p.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  /** kubectl patch (merge); returns the generation the edit produced. */
  private static long patch(String json) throws Exception {
    var out = cluster.controlPlane().kubectl("patch", "driverpool/" + POOL, "-n", NS, "--type=merge", "-p", json,
        "-o", "jsonpath={.metadata.generation}");
    assertThat(out.exitCode()).as(out.output()).isZero();
    return Long.parseLong(out.output().trim());
  }

  private static void kubectlWait(String what) {
    try {
      ControlPlane.KubectlResult r = cluster.controlPlane().kubectl("wait", "driverpool/" + POOL, "-n", NS, what,
          "--timeout=300s");
      if (r.exitCode() != 0) {
        assertThat(r.exitCode()).as(what + ": " + r.output() + "\n" + poolState()).isZero();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the pool, its drivers (by their pods and their own word) and its unsettled sessions show
   * now: printed when a wait times out, so a run that fails says where the rollout stood.
   */
  private static String poolState() {
    StringBuilder out = new StringBuilder("pool state:\n");
    try {
      DriverPool p = pool();
      out.append("  rollout: ").append(p.getStatus().getRollout()).append('\n');
      p.getStatus().getConditions().forEach(c -> out.append("  ").append(c.getType()).append('=')
          .append(c.getStatus()).append(' ').append(c.getReason()).append(": ").append(c.getMessage()).append('\n'));
      String control = new ControlTokens(cluster.client()).token(NS, POOL);
      try (var prober = new DriverProber()) {
        for (Pod d : cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector(POOL)).list()
            .getItems()) {
          String ip = d.getStatus().getPodIP();
          out.append("  driver ").append(d.getMetadata().getName()).append(" revision=")
              .append(d.getMetadata().getLabels().get(PoolLabels.REVISION)).append(" draining=")
              .append(d.getMetadata().getLabels().get(PoolLabels.DRAINING)).append(" deleting=")
              .append(d.getMetadata().getDeletionTimestamp() != null).append(" phase=")
              .append(d.getStatus().getPhase()).append(" ready=").append(d.getStatus().getConditions().stream()
                  .filter(c -> "Ready".equals(c.getType())).map(c -> c.getStatus()).findFirst().orElse("?"));
          if (ip != null) {
            out.append(" status=").append(prober.status(ip, control).map(st -> st.getState() + " sessions="
                + st.getSessions()).orElse("unanswered"));
            try {
              prober.stub(ip, control).withDeadlineAfter(5, TimeUnit.SECONDS)
                  .listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList()
                  .forEach(i -> out.append("\n    session ").append(i.getSessionId()).append(' ').append(i.getState()));
            } catch (RuntimeException e) {
              out.append(" listSessions: ").append(e.getMessage());
            }
          }
          out.append('\n');
        }
      }
      for (ClientSession cs : cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()) {
        var st = cs.getStatus();
        if (st == null || st.getMove() != null || st.getPhase() != SessionPhase.Bound) {
          out.append("  clientsession ").append(cs.getMetadata().getName()).append(": ")
              .append(st == null ? "no status" : st.getSessionId() + " " + st.getPhase() + " on " + st.getDriverPod()
                  + " move=" + st.getMove() + " conditions=" + st.getConditions()).append('\n');
        }
      }
      var events = cluster.controlPlane().kubectl("get", "events", "-n", NS, "--sort-by=.lastTimestamp");
      List<String> lines = events.output().lines().toList();
      out.append("  last events:\n");
      lines.subList(Math.max(0, lines.size() - 25), lines.size())
          .forEach(l -> out.append("    ").append(l).append('\n'));
    } catch (Exception e) {
      out.append("  (could not read all of it: ").append(e).append(")\n");
    }
    return out.toString();
  }

  /**
   * The pipeline gate of docs/runbooks/rolling-upgrade.md, with kubectl itself: the status
   * describes this generation, then the rollout of it is complete. On return every driver must
   * run the generation's revision and serve.
   */
  private static void gate(long generation) {
    kubectlWait("--for=jsonpath={.status.observedGeneration}=" + generation);
    kubectlWait("--for=condition=RolloutComplete");
    DriverPool p = pool();
    String revision = p.getStatus().getUpdateRevision();
    List<Pod> drivers = driverPods();
    assertThat(drivers).as("drivers when the gate returned").hasSize(p.getSpec().getReplicas())
        .allSatisfy(d -> {
          assertThat(d.getMetadata().getLabels().get(PoolLabels.REVISION)).isEqualTo(revision);
          assertThat(d.getMetadata().getLabels()).doesNotContainKey(PoolLabels.DRAINING);
        });
  }

  private static dev.baton.api.model.RolloutStatus awaitRollout(long generation) {
    return cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getObservedGeneration() != null
            && p.getStatus().getObservedGeneration() >= generation && p.getStatus().getRollout() != null
            && p.getStatus().getRollout().getRevision().equals(p.getStatus().getUpdateRevision()),
            60, TimeUnit.SECONDS).getStatus().getRollout();
  }

  private static void restartOperatorWhen(java.util.function.Predicate<DriverPool> point) {
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getRollout() != null && point.test(p),
            300, TimeUnit.SECONDS);
    operator.close();
    operator = newOperator();
  }

  /** Each driver pod and whether it is labelled draining. */
  private static Map<String, Boolean> drainingByDriver() {
    return driverPods().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(),
        p -> "true".equals(p.getMetadata().getLabels().get(PoolLabels.DRAINING))));
  }

  private static List<Pod> driverPods() {
    return cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector(POOL)).list().getItems()
        .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** The pool's address, following its gateway pods as a Service would; once both serve. */
  private static String target() throws InterruptedException {
    GatewayPods.both(cluster.client(), NS, POOL);
    return GatewayEndpoints.target(NS, POOL);
  }

  /** Declared sessions (ClientSessions applied here) and sessions opened through the gateway. */
  private void openSessions(int declared, int adHoc) throws Exception {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < declared; i++) {
      yaml.append("""
          apiVersion: baton.dev/v1alpha1
          kind: ClientSession
          metadata: {name: declared-%d, namespace: roll}
          spec:
            pool: roll
            principal: "token:alice"
            views:
              - {name: evens, sql: "SELECT range AS n FROM range(100) WHERE range %% 2 = 0"}
          ---
          """.formatted(i));
    }
    String target = target();
    if (declared > 0) {
      cluster.apply(yaml.toString());
      for (int i = 0; i < declared; i++) {
        ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("declared-" + i)
            .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getPhase() == SessionPhase.Bound,
                120, TimeUnit.SECONDS);
        sessions.add(Baton.builder().target(target).token("alice-token").batchRows(10_000)
            .attach(cs.getStatus().getSessionId()).connect());
      }
    }
    for (int i = 0; i < adHoc; i++) {
      sessions.add(Baton.builder().target(target).token("alice-token").batchRows(10_000).connect());
    }
  }

  /** The ClientSessions of this test's sessions, by name. */
  private Map<String, ClientSession> clientSessions() {
    Set<String> ids = sessions.stream().map(Session::id).collect(Collectors.toSet());
    Map<String, ClientSession> out = new HashMap<>();
    for (ClientSession cs : cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()) {
      if (cs.getStatus() != null && ids.contains(cs.getStatus().getSessionId())) {
        out.put(cs.getMetadata().getName(), cs);
      }
    }
    assertThat(out).hasSize(sessions.size());
    return out;
  }

  private void awaitSessionsAt(String revision) {
    for (ClientSession cs : cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()) {
      cluster.client().resources(ClientSession.class).inNamespace(NS).withName(cs.getMetadata().getName())
          .waitUntilCondition(x -> x.getStatus() != null && x.getStatus().getMove() == null
              && x.getStatus().getPhase() == SessionPhase.Bound && revision.equals(x.getStatus().getRevision()),
              120, TimeUnit.SECONDS);
    }
  }

  /**
   * Every session at the new revision with its id, moved exactly once, on exactly one driver,
   * with every write it made readable, and not one failed call.
   */
  private void assertRolledOnce(Map<String, ClientSession> before, String revision, SessionLoad load) throws Exception {
    awaitSessionsAt(revision);
    Thread.sleep(2000); // keep calling the sessions where they are now
    load.close();
    assertThat(load.failures()).as("failed calls").isEmpty();
    for (ClientSession cs : before.values()) {
      ClientSession now = session(cs.getMetadata().getName());
      assertThat(now.getStatus().getSessionId()).as("id of %s", cs.getMetadata().getName())
          .isEqualTo(cs.getStatus().getSessionId());
      assertThat(now.getStatus().getMigrations() - cs.getStatus().getMigrations())
          .as("moves of %s", cs.getMetadata().getName()).isEqualTo(1);
      assertThat(now.getStatus().getRevision()).isEqualTo(revision);
    }
    assertWritesReadable(load);
    System.out.printf("rollout to %s under load: %d sessions, %s%n", revision, sessions.size(), load.summary());
  }

  private void assertWritesReadable(SessionLoad load) throws Exception {
    Map<String, Integer> copies = new HashMap<>();
    String control = new ControlTokens(cluster.client()).token(NS, POOL);
    try (var prober = new DriverProber()) {
      for (Pod p : driverPods()) {
        prober.stub(p.getStatus().getPodIP(), control)
            .listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList()
            .forEach(i -> copies.merge(i.getSessionId(), 1, Integer::sum));
      }
    }
    for (Session s : sessions) {
      assertThat(copies.get(s.id())).as("copies of %s", s.id()).isEqualTo(1);
      assertThat(s.sql("SELECT count(*) AS c FROM writes").collect().get(0).getLong("c"))
          .as("rows written to %s", s.id()).isEqualTo(load.inserted(s.id()));
    }
  }
}

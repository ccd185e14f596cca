package dev.baton.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.pool.ControlTokens;
import dev.baton.operator.pool.DriverPoolReconcilerTiming;
import dev.baton.api.PoolLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator on a real API server with the local node: must show 1 (a pool of 3 becomes
 * available with true status, columns and endpoints), 2 (kubectl scale moves sessions first),
 * 3 (a declared session is bound, usable and closed on deletion) and 4 (a killed driver is
 * replaced and its session re-placed).
 */
class OperatorIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().withLocalNode().build();

  private static final String NS = "pools";
  /** The operator's own identity, so the audit log tells its writes apart. */
  private static final String OPERATOR_USER = "system:serviceaccount:baton-system:baton-operator";
  private static BatonOperator operator;
  private static KubernetesClient operatorClient;

  @BeforeAll
  static void start() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    // The operator runs as its ServiceAccount under exactly the RBAC the chart renders.
    operatorClient = cluster.operatorClientWithChartRbac(Map.of());
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  private static DriverPool await(String name, Predicate<DriverPool> condition, int seconds) {
    return cluster.client().resources(DriverPool.class).inNamespace(NS).withName(name)
        .waitUntilCondition(p -> p != null && p.getStatus() != null && condition.test(p), seconds, TimeUnit.SECONDS);
  }

  /**
   * The pool's drivers serve. Its gateway may not: in this module's tests the gateway's jar may
   * not be built yet (the reactor builds it after the operator), and then Available says so with
   * reason GatewayUnavailable. What these tests wait for is the drivers' part.
   */
  private static boolean available(DriverPool p) {
    return p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Available")
        && (c.getStatus().equals("True") || "GatewayUnavailable".equals(c.getReason())));
  }

  private static Set<String> sliceIps(String service) {
    EndpointSlice slice = cluster.client().discovery().v1().endpointSlices().inNamespace(NS).withName(service).get();
    return slice.getEndpoints() == null ? Set.of() : slice.getEndpoints().stream()
        .flatMap(e -> e.getAddresses().stream()).collect(Collectors.toSet());
  }

  /** The slice follows the drivers' own word (Status), a moment after pod readiness. */
  private static void awaitSlice(String service, Predicate<Set<String>> condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Set<String> last = Set.of();
    while (System.nanoTime() < deadline) {
      last = sliceIps(service);
      if (condition.test(last)) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("EndpointSlice " + service + " never matched; last: " + last);
  }

  private static List<Pod> drivers(String pool) {
    return cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector(pool)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** kubectl's table as header -> value for the row of {@code name}. */
  static java.util.Map<String, String> columns(String table, String name) {
    String[] lines = table.strip().split("\n");
    String[] header = lines[0].trim().split("\\s+");
    for (String line : lines) {
      String[] cells = line.trim().split("\\s+");
      if (cells[0].equals(name)) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < header.length && i < cells.length; i++) {
          out.put(header[i], cells[i]);
        }
        return out;
      }
    }
    throw new AssertionError("no row " + name + " in\n" + table);
  }

  @Test
  void aPoolOfThreeBecomesAvailableWithItsEndpointsAndColumns() throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: trio, namespace: pools}
        spec:
          replicas: 3
          driver:
            image: registry.example/baton-driver:1.0.0
            engine: {memoryLimit: 256Mi, threads: 1}
          upgrade: {drainTimeout: 10s}
        """);

    DriverPool pool = await("trio", p -> available(p) && Integer.valueOf(3).equals(p.getStatus().getReadyReplicas()), 180);
    assertThat(pool.getStatus().getObservedGeneration()).isEqualTo(pool.getMetadata().getGeneration());
    assertThat(pool.getStatus().getCurrentRevision()).isEqualTo(pool.getStatus().getUpdateRevision()).hasSize(10);
    assertThat(pool.getStatus().getEndpoint()).isEqualTo("trio.pools.svc:15002");

    List<Pod> pods = drivers("trio");
    assertThat(pods).hasSize(3);
    Set<String> podIps = pods.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
    awaitSlice("trio-drivers", ips -> ips.equals(podIps));
    assertThat(pods.get(0).getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("DriverPool");
    assertThat(pods.get(0).getMetadata().getLabels()).containsEntry(PoolLabels.REVISION, pool.getStatus().getCurrentRevision());

    // AVAILABLE shows the Available condition, whatever it says (the gateway may not run in
    // this module's tests, or may become ready meanwhile): read both until they agree.
    dev.baton.e2e.controlplane.ControlPlane.KubectlResult get = null;
    java.util.Map<String, String> columns = java.util.Map.of();
    String available = null;
    for (int i = 0; i < 20 && (available == null || !available.equals(columns.get("AVAILABLE"))); i++) {
      get = cluster.controlPlane().kubectl("get", "driverpools", "-n", NS);
      columns = columns(get.output(), "trio");
      available = await("trio", p -> true, 10).getStatus().getConditions().stream()
          .filter(c -> c.getType().equals("Available")).findFirst().orElseThrow().getStatus();
    }
    assertThat(columns).as(get.output()).containsEntry("READY", "3").containsEntry("UPDATED", "3")
        .containsEntry("SESSIONS", "0").containsEntry("REVISION", pool.getStatus().getCurrentRevision())
        .containsEntry("AVAILABLE", available).containsKey("AGE");
    assertThat(available).isIn("True", "False");

    // A session works at a driver the slice lists, for a caller with the pool's session token.
    String ip = sliceIps("trio-drivers").iterator().next();
    try (Session s = Baton.builder().target(ip + ":15002").principal("alice")
        .header("baton-session-token", ControlTokens.sessionToken(controlToken("trio"))).connect()) {
      assertThat(s.range(0, 100).count()).isEqualTo(100);
      assertThat(s.openConfig()).containsEntry("memory_limit", "256MiB").containsEntry("threads", "1");
    }
    // Anyone else is refused by the driver itself.
    assertThatThrownBy(() -> {
      try (Session s = Baton.builder().target(ip + ":15002").principal("alice")
          .retryPolicy(dev.baton.client.RetryPolicy.none()).connect()) {
        s.range(0, 1).count();
      }
    }).isInstanceOfSatisfying(dev.baton.client.BatonException.class,
        e -> assertThat(e.code()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));

    // The pool's address is its gateway: a Deployment run as the gateway's account, selected
    // by Service trio, and named in the status.
    assertThat(pool.getStatus().getGateway().getDeployment()).isEqualTo("trio-gateway");
    assertThat(pool.getStatus().getGateway().getReplicas()).isEqualTo(2);
    var deployment = cluster.client().apps().deployments().inNamespace(NS).withName("trio-gateway").get();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("trio-gateway");
    assertThat(cluster.client().services().inNamespace(NS).withName("trio").get().getSpec().getSelector())
        .containsEntry(PoolLabels.COMPONENT, "gateway").containsEntry(PoolLabels.POOL, "trio");
    assertThat(cluster.client().rbac().clusterRoleBindings().withName("baton-gateway:pools:trio").get()
        .getRoleRef().getName()).isEqualTo("system:auth-delegator");
    assertThat(cluster.client().secrets().inNamespace(NS).withName("trio-control").get()).isNotNull();
  }

  private static String controlToken(String pool) {
    return new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, pool);
  }

  private static void pool(String name, int replicas) throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: %s, namespace: pools}
        spec:
          replicas: %d
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          upgrade: {drainTimeout: 10s}
        """.formatted(name, replicas));
    await(name, p -> available(p) && Integer.valueOf(replicas).equals(p.getStatus().getReadyReplicas()), 180);
  }

  private static ClientSession session(String name, String pool) throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: %s, namespace: pools}
        spec:
          pool: %s
          principal: alice
          config: {user.team: blue}
          views:
            - {name: evens, sql: "SELECT range AS n FROM range(100) WHERE range %% 2 = 0"}
        """.formatted(name, pool));
    return awaitSession(name, cs -> cs.getStatus().getPhase() == SessionPhase.Bound);
  }

  private static ClientSession awaitSession(String name, Predicate<ClientSession> condition) {
    return cluster.client().resources(ClientSession.class).inNamespace(NS).withName(name)
        .waitUntilCondition(cs -> cs != null && cs.getStatus() != null && condition.test(cs), 120, TimeUnit.SECONDS);
  }

  private static long evens(ClientSession cs) {
    try (Session s = Baton.builder().target(cs.getStatus().getEndpoint()).principal("alice")
        .header("baton-session-token", ControlTokens.sessionToken(controlToken(cs.getSpec().getPool())))
        .attach(cs.getStatus().getSessionId()).connect()) {
      assertThat(s.config()).containsEntry("user.team", "blue");
      return s.table("evens").count();
    }
  }

  private static List<String> sessionsOn(String ip, String pool) {
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      return prober.stub(ip, controlToken(pool))
          .listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
          .map(dev.baton.proto.v1.SessionInfo::getSessionId).toList();
    }
  }

  /**
   * A pool whose reconcile fails for longer than the SDK's default five retries (about 18 s) is
   * still reconciled once the cause is gone, with no Kubernetes event to wake it: the cause here
   * is its control-token Secret without a token, and Secrets are not watched.
   */
  @Test
  void aPoolWhoseReconcileFailsLongerThanFiveRetriesConvergesOnceTheCauseIsGone() throws Exception {
    cluster.apply("""
        apiVersion: v1
        kind: Secret
        metadata: {name: stubborn-control, namespace: pools}
        stringData: {unrelated: "x"}
        """);
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: stubborn, namespace: pools}
        spec:
          replicas: 1
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
        """);
    Thread.sleep(35_000);
    DriverPool failing = cluster.client().resources(DriverPool.class).inNamespace(NS).withName("stubborn").get();
    assertThat(failing.getStatus()).as("status while every reconcile fails").isNull();
    cluster.client().secrets().inNamespace(NS).withName("stubborn-control")
        .edit(s -> new io.fabric8.kubernetes.api.model.SecretBuilder(s).addToStringData("token",
            "a-control-token-written-by-hand-0123456789").build());
    try {
      await("stubborn", p -> available(p) && Integer.valueOf(1).equals(p.getStatus().getReadyReplicas()), 180);
    } finally {
      cluster.client().resources(DriverPool.class).inNamespace(NS).withName("stubborn").delete();
      cluster.client().secrets().inNamespace(NS).withName("stubborn-control").delete();
    }
  }

  /**
   * The operator opens a session on a driver, then cannot record it (an admission policy refuses
   * the status write for a while). Each retry must find that copy and keep it, even though the
   * other driver is emptier: one copy in the end, on the driver that opened it, never a second
   * one left behind that no ClientSession holds (its driver could never be emptied).
   */
  @Test
  void aSessionOpenedButNotRecordedIsBoundToThatCopyAndNeverOpenedTwice() throws Exception {
    pool("unrecorded", 2);
    cluster.apply("""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: refuse-status-of-unrecorded}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
              - {apiGroups: [baton.dev], apiVersions: ["*"], operations: [UPDATE], resources: [clientsessions/status]}
          validations:
            - expression: "!has(object.metadata.labels) || !('refuse-status' in object.metadata.labels)"
              message: refused for the test
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: refuse-status-of-unrecorded}
        spec:
          policyName: refuse-status-of-unrecorded
          validationActions: [Deny]
        """);
    try {
      // The policy is in force once it refuses a status write (the API server loads it a moment later).
      cluster.apply("""
          apiVersion: baton.dev/v1alpha1
          kind: ClientSession
          metadata: {name: unrecorded-probe, namespace: pools, labels: {refuse-status: "yes"}}
          spec: {pool: nowhere, principal: alice}
          """);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        ClientSession probe = cluster.client().resources(ClientSession.class).inNamespace(NS)
            .withName("unrecorded-probe").get();
        probe.setStatus(new dev.baton.api.model.ClientSessionStatus());
        probe.getStatus().setPhase(SessionPhase.Pending);
        try {
          cluster.client().resource(probe).updateStatus();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          if (e.getCode() != 409) {
            assertThat(e.getMessage()).contains("refused for the test");
            break;
          }
        }
        assertThat(System.nanoTime()).as("policy in force").isLessThan(deadline);
        Thread.sleep(500);
      }
      cluster.client().resources(ClientSession.class).inNamespace(NS).withName("unrecorded-probe").delete();
      cluster.apply("""
          apiVersion: baton.dev/v1alpha1
          kind: ClientSession
          metadata: {name: unrecorded, namespace: pools, labels: {refuse-status: "yes"}}
          spec: {pool: unrecorded, principal: alice}
          """);
      String id = "cs-" + cluster.client().resources(ClientSession.class).inNamespace(NS).withName("unrecorded").get()
          .getMetadata().getUid().replace("-", "");
      List<String> ips = drivers("unrecorded").stream().map(p -> p.getStatus().getPodIP()).toList();
      long opened = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ips.stream().noneMatch(ip -> sessionsOn(ip, "unrecorded").contains(id))) {
        assertThat(System.nanoTime()).as("opened on a driver").isLessThan(opened);
        Thread.sleep(200);
      }
      // Several retries happen while the write is refused (1 s, then 2 s, 4 s apart).
      Thread.sleep(8_000);
    } finally {
      cluster.client().resource(new io.fabric8.kubernetes.api.model.admissionregistration.v1
          .ValidatingAdmissionPolicyBindingBuilder().withNewMetadata().withName("refuse-status-of-unrecorded")
          .endMetadata().build()).delete();
      cluster.client().resource(new io.fabric8.kubernetes.api.model.admissionregistration.v1
          .ValidatingAdmissionPolicyBuilder().withNewMetadata().withName("refuse-status-of-unrecorded")
          .endMetadata().build()).delete();
    }
    ClientSession bound = awaitSession("unrecorded", cs -> cs.getStatus().getPhase() == SessionPhase.Bound);
    Map<String, Integer> copies = new java.util.HashMap<>();
    for (Pod d : drivers("unrecorded")) {
      if (sessionsOn(d.getStatus().getPodIP(), "unrecorded").contains(bound.getStatus().getSessionId())) {
        copies.merge(d.getMetadata().getName(), 1, Integer::sum);
      }
    }
    assertThat(copies).as("drivers holding the session").containsOnlyKeys(bound.getStatus().getDriverPod());
    cluster.client().resources(ClientSession.class).inNamespace(NS).withName("unrecorded").delete();
  }

  @Test
  void aDeclaredSessionIsBoundUsableAndClosedOnDeletion() throws Exception {
    pool("solo", 1);
    ClientSession cs = session("report", "solo");
    assertThat(cs.getStatus().getSessionId()).startsWith("cs-");
    assertThat(cs.getStatus().getDriverPod()).startsWith("solo-");
    assertThat(evens(cs)).isEqualTo(50);
    String ip = cs.getStatus().getEndpoint().split(":")[0];
    assertThat(sessionsOn(ip, "solo")).contains(cs.getStatus().getSessionId());
    var get = cluster.controlPlane().kubectl("get", "clientsessions", "-n", NS);
    assertThat(columns(get.output(), "report")).containsEntry("POOL", "solo").containsEntry("PHASE", "Bound")
        .containsEntry("DRIVER", cs.getStatus().getDriverPod());

    cluster.client().resources(ClientSession.class).inNamespace(NS).withName("report").delete();
    cluster.client().resources(ClientSession.class).inNamespace(NS).withName("report")
        .waitUntilCondition(x -> x == null, 60, TimeUnit.SECONDS);
    assertThat(sessionsOn(ip, "solo")).doesNotContain(cs.getStatus().getSessionId());
  }

  @Test
  void aSessionNamingAMissingPoolFailsWithAReason() throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: orphan, namespace: pools}
        spec: {pool: nowhere, principal: alice}
        """);
    ClientSession cs = awaitSession("orphan", x -> x.getStatus().getPhase() == SessionPhase.Failed);
    assertThat(cs.getStatus().getConditions().get(0).getReason()).isEqualTo("PoolNotFound");
  }

  @Test
  void aKilledDriverIsReplacedAndItsSessionReplaced() throws Exception {
    pool("fragile", 1);
    ClientSession cs = session("survivor", "fragile");
    String firstPod = cs.getStatus().getDriverPod();
    cluster.node().containerProcess(NS, firstPod, "driver").orElseThrow().destroyForcibly();
    // The pod fails (driver pods never restart in place); the operator replaces it and re-opens
    // the session from its declared state on a driver that takes sessions.
    ClientSession again = awaitSession("survivor", x -> x.getStatus().getMigrations() != null
        && x.getStatus().getMigrations() >= 1 && x.getStatus().getPhase() == SessionPhase.Bound);
    assertThat(again.getStatus().getDriverPod()).isNotEqualTo(firstPod);
    assertThat(drivers("fragile")).extracting(p -> p.getMetadata().getName()).doesNotContain(firstPod).hasSize(1);
    assertThat(again.getMetadata().getName()).isEqualTo("survivor");
    assertThat(again.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
    assertThat(evens(again)).isEqualTo(50);
    var events = cluster.client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "survivor".equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
    assertThat(events).contains("SessionReplaced");
  }

  @Test
  void aSessionWhoseDriverCannotBeReadStaysPutAndIsNotOpenedTwice() throws Exception {
    pool("frozen", 2);
    ClientSession cs = session("patient", "frozen");
    String pod = cs.getStatus().getDriverPod();
    String ip = cs.getStatus().getEndpoint().split(":")[0];
    ProcessHandle driver = cluster.node().containerProcess(NS, pod, "driver").orElseThrow();
    // The driver's process stops (shorter than its liveness window of a minute): it cannot be
    // read, but it has not lost the session.
    signal(driver, "STOP");
    try {
      awaitSession("patient", x -> x.getStatus().getConditions().stream()
          .anyMatch(c -> "DriverUnreachable".equals(c.getReason())));
      Thread.sleep(3 * DriverPoolReconcilerTiming.RESYNC_MILLIS); // several reconciles while it stays unreadable
      ClientSession during = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("patient").get();
      assertThat(during.getStatus().getDriverPod()).as("not re-placed while unknown").isEqualTo(pod);
      assertThat(during.getStatus().getMigrations()).isZero();
      for (Pod other : drivers("frozen")) {
        if (!other.getMetadata().getName().equals(pod)) {
          assertThat(sessionsOn(other.getStatus().getPodIP(), "frozen")).as("no second copy")
              .doesNotContain(cs.getStatus().getSessionId());
        }
      }
    } finally {
      signal(driver, "CONT");
    }
    ClientSession back = awaitSession("patient", x -> x.getStatus().getConditions().stream()
        .anyMatch(c -> "Open".equals(c.getReason())));
    assertThat(back.getStatus().getDriverPod()).isEqualTo(pod);
    assertThat(sessionsOn(ip, "frozen")).contains(cs.getStatus().getSessionId());
    assertThat(evens(back)).isEqualTo(50);
  }

  @Test
  void aDrainingDriverThatCannotBeReadKeepsItsSessionsUntilItAnswersThenTheMoveCompletes() throws Exception {
    pool("stalled", 2);
    ClientSession cs = session("waiting", "stalled");
    String pod = cs.getStatus().getDriverPod();
    ProcessHandle driver = cluster.node().containerProcess(NS, pod, "driver").orElseThrow();
    signal(driver, "STOP");
    try {
      // Evacuated while it cannot be read: it may hold the session, so nothing is deleted or re-opened.
      cluster.client().pods().inNamespace(NS).withName(pod)
          .edit(p -> { p.getMetadata().getLabels().put(PoolLabels.DRAINING, "true"); return p; });
      Thread.sleep(3 * DriverPoolReconcilerTiming.RESYNC_MILLIS);
      assertThat(cluster.client().pods().inNamespace(NS).withName(pod).get().getMetadata().getDeletionTimestamp())
          .as("an unreadable draining driver is not deleted").isNull();
      ClientSession during = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("waiting").get();
      assertThat(during.getStatus().getDriverPod()).isEqualTo(pod);
      assertThat(during.getStatus().getMigrations()).isZero();
      for (Pod other : drivers("stalled")) {
        if (!other.getMetadata().getName().equals(pod) && other.getStatus().getPodIP() != null) {
          assertThat(sessionsOn(other.getStatus().getPodIP(), "stalled")).as("no second copy")
              .doesNotContain(cs.getStatus().getSessionId());
        }
      }
    } finally {
      signal(driver, "CONT");
    }
    ClientSession moved = awaitSession("waiting", x -> x.getStatus().getMove() == null
        && x.getStatus().getPhase() == SessionPhase.Bound && !pod.equals(x.getStatus().getDriverPod()));
    assertThat(moved.getStatus().getMigrations()).isEqualTo(1);
    assertThat(moved.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
    assertThat(evens(moved)).isEqualTo(50);
    cluster.client().pods().inNamespace(NS).withName(pod)
        .waitUntilCondition(p -> p == null || p.getMetadata().getDeletionTimestamp() != null, 120, TimeUnit.SECONDS);
  }

  @Test
  void deletingANamespaceWithLiveSessionsAndADeadDriverFinishes() throws Exception {
    String doomed = "doomed";
    cluster.namespace(doomed);
    BatonOperator second = new BatonOperator(operatorClient, Set.of(doomed), null).start();
    try {
      cluster.apply("""
          apiVersion: baton.dev/v1alpha1
          kind: DriverPool
          metadata: {name: last, namespace: doomed}
          spec:
            replicas: 2
            driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          ---
          apiVersion: baton.dev/v1alpha1
          kind: ClientSession
          metadata: {name: one, namespace: doomed}
          spec: {pool: last, principal: alice}
          ---
          apiVersion: baton.dev/v1alpha1
          kind: ClientSession
          metadata: {name: two, namespace: doomed}
          spec: {pool: last, principal: alice}
          """);
      for (String name : List.of("one", "two")) {
        cluster.client().resources(ClientSession.class).inNamespace(doomed).withName(name)
            .waitUntilCondition(cs -> cs != null && cs.getStatus() != null
                && cs.getStatus().getPhase() == SessionPhase.Bound, 180, TimeUnit.SECONDS);
      }
      ClientSession one = cluster.client().resources(ClientSession.class).inNamespace(doomed).withName("one").get();
      // Its driver dies with the session on it, and the namespace is deleted: pods first (the API
      // server's ordered namespace deletion), then the pool and the sessions, whose finalizers
      // close what they reach and give up on drivers that are gone.
      ProcessHandle driver = cluster.node().containerProcess(doomed, one.getStatus().getDriverPod(), "driver")
          .orElseThrow();
      driver.destroyForcibly();
      driver.onExit().get(30, TimeUnit.SECONDS);
      cluster.client().namespaces().withName(doomed).delete();
      cluster.client().namespaces().withName(doomed)
          .waitUntilCondition(java.util.Objects::isNull, 120, TimeUnit.SECONDS);
    } finally {
      second.close();
    }
  }

  private static void signal(ProcessHandle process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  @Test
  void scalingMovesSessionsOffRemovedDrivers() throws Exception {
    pool("elastic", 3);
    List<ClientSession> sessions = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      sessions.add(session("s" + i, "elastic"));
    }
    var up = cluster.controlPlane().kubectl("scale", "driverpool/elastic", "-n", NS, "--replicas=5");
    assertThat(up.exitCode()).as(up.output()).isZero();
    DriverPool five = await("elastic", p -> Integer.valueOf(5).equals(p.getStatus().getReadyReplicas()) && available(p), 180);
    awaitSlice("elastic-drivers", ips -> ips.size() == 5);

    var down = cluster.controlPlane().kubectl("scale", "driverpool/elastic", "-n", NS, "--replicas=2");
    assertThat(down.exitCode()).as(down.output()).isZero();
    await("elastic", p -> Integer.valueOf(2).equals(p.getStatus().getReplicas())
        && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()) && available(p), 180);
    Set<String> remaining = drivers("elastic").stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    assertThat(remaining).hasSize(2);
    awaitSlice("elastic-drivers", ips -> ips.size() == 2);
    for (ClientSession cs : sessions) {
      ClientSession now = awaitSession(cs.getMetadata().getName(), x -> remaining.contains(x.getStatus().getDriverPod())
          && x.getStatus().getPhase() == SessionPhase.Bound);
      assertThat(evens(now)).as("session %s after scale-down", cs.getMetadata().getName()).isEqualTo(50);
    }
    assertThat(five.getStatus().getObservedGeneration()).isNotNull();
  }

  @Test
  void anOperatorRestartedMidRolloutConvergesWithoutDuplicatesAndThenWritesNothing() throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: restart, namespace: pools}
        spec:
          replicas: 3
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
        """);
    // Stop the operator as soon as it has started creating drivers, then start a new one.
    cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("restart"))
        .waitUntilCondition(p -> p != null, 60, TimeUnit.SECONDS);
    operator.close();
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();

    await("restart", p -> available(p) && Integer.valueOf(3).equals(p.getStatus().getReadyReplicas()), 180);
    assertThat(cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("restart")).list().getItems())
        .as("no duplicate drivers after the restart").hasSize(3);

    // Steady state: let the operator resync several times and count what it writes.
    Path audit = cluster.controlPlane().auditLog();
    Thread.sleep(2 * dev.baton.operator.pool.DriverPoolReconcilerTiming.RESYNC_MILLIS);
    int mark = dev.baton.e2e.controlplane.AuditLog.lines(audit);
    Thread.sleep(4 * dev.baton.operator.pool.DriverPoolReconcilerTiming.RESYNC_MILLIS);
    var writes = dev.baton.e2e.controlplane.AuditLog.writesBy(audit, OPERATOR_USER, mark);
    assertThat(writes).as("writes by the operator in steady state").isEmpty();
    assertThat(dev.baton.e2e.controlplane.AuditLog.writesBy(audit, OPERATOR_USER, 0))
        .as("the audit log does record the operator's writes").isNotEmpty();

    // A newer CRD whose spec.driver gains a defaulted field, then a restart of this operator on
    // the steady pool: no rollout starts and nothing at all is written.
    DriverPool steady = await("restart", p -> true, 10);
    var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    var crd = yaml.readTree(Path.of("..", "crds", "driverpools.baton.dev.yaml").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) crd.at(
        "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/driver/properties/engine/properties"))
        .putObject("spillToDisk").put("type", "boolean").put("default", true);
    Path newer = java.nio.file.Files.createTempDirectory("newer-crd");
    yaml.writeValue(newer.resolve("driverpools.baton.dev.yaml").toFile(), crd);
    cluster.installCrds(newer);
    assertThat(cluster.client().genericKubernetesResources("baton.dev/v1alpha1", "DriverPool").inNamespace(NS)
        .withName("restart").get().getAdditionalProperties().toString()).as("the API server applies the new default")
        .contains("spillToDisk=true");
    int beforeRestart = dev.baton.e2e.controlplane.AuditLog.lines(audit);
    operator.close();
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
    Thread.sleep(4 * dev.baton.operator.pool.DriverPoolReconcilerTiming.RESYNC_MILLIS);
    assertThat(dev.baton.e2e.controlplane.AuditLog.writesBy(audit, OPERATOR_USER, beforeRestart))
        .as("writes by a restarted operator on a steady pool under a newer CRD").isEmpty();
    DriverPool after = await("restart", p -> true, 10);
    assertThat(after.getStatus().getCurrentRevision()).isEqualTo(steady.getStatus().getCurrentRevision());
    assertThat(after.getStatus().getUpdateRevision()).isEqualTo(steady.getStatus().getCurrentRevision());
    assertThat(after.getStatus().getRollout()).as("no rollout").isNull();
  }

  @Test
  void metricsDescribeDriversSessionsAndReconciles() throws Exception {
    pool("measured", 2);
    ClientSession cs = session("counted", "measured");
    String revision = await("measured", p -> true, 10).getStatus().getCurrentRevision();
    String text = operator.metrics().scrape();
    assertThat(text).contains("baton_drivers{namespace=\"pools\",pool=\"measured\",revision=\"" + revision
        + "\",state=\"ready\"} 2.0");
    assertThat(text).contains("baton_sessions{namespace=\"pools\",phase=\"Bound\",pool=\"measured\"} 1.0");
    assertThat(text).containsPattern("operator_sdk_reconciliations_success_total\\{[^}]*\\} [1-9]");
    assertThat(cs.getStatus().getPhase()).isEqualTo(SessionPhase.Bound);
  }

  @Test
  void twoReplicasWithLeaderElectionAreSafe() throws Exception {
    cluster.namespace("baton-system");
    operator.close();
    BatonOperator first = new BatonOperator(operatorClient, Set.of(NS), "baton-system", "replica-a", false).start();
    BatonOperator second;
    try (KubernetesClient secondClient = cluster.controlPlane().clientAsServiceAccount("baton-system", "baton-operator")) {
      second = new BatonOperator(secondClient, Set.of(NS), "baton-system", "replica-b", false).start();
      try {
        var lease = cluster.client().leases().inNamespace("baton-system").withName("baton-operator")
            .waitUntilCondition(l -> l != null && l.getSpec().getHolderIdentity() != null, 60, TimeUnit.SECONDS);
        String leader = lease.getSpec().getHolderIdentity();
        assertThat(leader).isIn("replica-a", "replica-b");
        assertThat(first.isReady() && second.isReady()).as("the standby is ready too: leadership is not readiness")
            .isTrue();
        pool("elected", 2);
        assertThat(drivers("elected")).as("two replicas, one set of drivers").hasSize(2);

        // The leader stops; the other replica takes the Lease and carries on.
        (leader.equals("replica-a") ? first : second).close();
        String follower = leader.equals("replica-a") ? "replica-b" : "replica-a";
        cluster.client().leases().inNamespace("baton-system").withName("baton-operator")
            .waitUntilCondition(l -> follower.equals(l.getSpec().getHolderIdentity()), 90, TimeUnit.SECONDS);
        var scaled = cluster.controlPlane().kubectl("scale", "driverpool/elected", "-n", NS, "--replicas=3");
        assertThat(scaled.exitCode()).as(scaled.output()).isZero();
        await("elected", p -> Integer.valueOf(3).equals(p.getStatus().getReadyReplicas()), 180);
        assertThat(drivers("elected")).hasSize(3);
      } finally {
        first.close();
        second.close();
      }
    } finally {
      operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
    }
  }

  @Test
  void anIdleSessionIsClosedAfterItsTimeout() throws Exception {
    pool("idle", 1);
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: sleepy, namespace: pools}
        spec: {pool: idle, principal: alice, idleTimeout: 3s}
        """);
    ClientSession bound = awaitSession("sleepy", cs -> cs.getStatus().getPhase() == SessionPhase.Bound);
    String ip = bound.getStatus().getEndpoint().split(":")[0];
    ClientSession closed = awaitSession("sleepy", cs -> cs.getStatus().getPhase() == SessionPhase.Closed);
    assertThat(closed.getStatus().getConditions().get(0).getReason()).isEqualTo("IdleTimeout");
    assertThat(sessionsOn(ip, "idle")).doesNotContain(bound.getStatus().getSessionId());
    assertThat(cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sleepy").get())
        .as("a declared session stays, Closed, for its owner").isNotNull();

    // One a gateway opened ad hoc has no owner to delete it: once closed, the operator does.
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: adhoc-sleepy, namespace: pools, labels: {baton.dev/created-by: gateway}}
        spec: {pool: idle, principal: alice, idleTimeout: 3s}
        """);
    awaitSession("adhoc-sleepy", cs -> cs.getStatus().getPhase() == SessionPhase.Bound);
    assertThat(cluster.client().resources(ClientSession.class).inNamespace(NS).withName("adhoc-sleepy")
        .waitUntilCondition(java.util.Objects::isNull, 120, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void aSparkPoolWithExecutorsOnKubernetesGetsAnAccountThatMayRunPodsInItsNamespaceOnlyAndPoliciesThatAdmitThem()
      throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: lake, namespace: pools}
        spec:
          replicas: 1
          driver:
            kind: SparkConnect
            image: apache/spark:4.3.0
            spark: {master: "k8s://https://kubernetes.default.svc"}
        """);
    var rbac = cluster.client().rbac();
    var binding = rbac.roleBindings().inNamespace(NS).withName("lake-spark")
        .waitUntilCondition(java.util.Objects::nonNull, 60, TimeUnit.SECONDS);
    assertThat(binding.getRoleRef().getName()).isEqualTo("baton-spark-driver");
    assertThat(binding.getSubjects()).singleElement().satisfies(sub -> {
      assertThat(sub.getKind()).isEqualTo("ServiceAccount");
      assertThat(sub.getName()).isEqualTo("lake-spark");
    });
    assertThat(cluster.client().serviceAccounts().inNamespace(NS).withName("lake-spark").get()).isNotNull();
    assertThat(cluster.client().serviceAccounts().inNamespace(NS).withName("lake-spark-executor").get()
        .getAutomountServiceAccountToken()).as("executors run client code: no token").isFalse();
    // The driver is created once its account exists (the API server refuses a pod whose account does not).
    Pod driver = cluster.client().pods().inNamespace(NS).withLabels(PoolLabels.driverSelector("lake"))
        .informOnCondition(pods -> !pods.isEmpty()).get(60, TimeUnit.SECONDS).get(0);
    assertThat(driver.getSpec().getServiceAccountName()).isEqualTo("lake-spark");
    // What Spark's driver may do as that account: executor pods here, nothing elsewhere, no Secrets.
    try (KubernetesClient spark = cluster.clientAsServiceAccount(NS, "lake-spark")) {
      assertThat(allowed(spark, NS, "create", "pods")).isTrue();
      assertThat(allowed(spark, NS, "delete", "configmaps")).isTrue();
      assertThat(allowed(spark, "default", "create", "pods")).isFalse();
      assertThat(allowed(spark, NS, "get", "secrets")).isFalse();
    }
    var executors = cluster.client().network().v1().networkPolicies().inNamespace(NS).withName("lake-spark-executors")
        .waitUntilCondition(java.util.Objects::nonNull, 60, TimeUnit.SECONDS);
    assertThat(executors.getSpec().getPodSelector().getMatchLabels()).isEqualTo(PoolLabels.executorSelector("lake"));
    assertThat(executors.getSpec().getIngress()).singleElement().satisfies(rule -> assertThat(rule.getFrom())
        .extracting(f -> f.getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrder(PoolLabels.driverSelector("lake"), PoolLabels.executorSelector("lake")));
    var drivers = cluster.client().network().v1().networkPolicies().inNamespace(NS).withName("lake-drivers")
        .waitUntilCondition(java.util.Objects::nonNull, 60, TimeUnit.SECONDS);
    assertThat(drivers.getSpec().getIngress()).anySatisfy(rule -> {
      assertThat(rule.getFrom()).singleElement().satisfies(f -> assertThat(f.getPodSelector().getMatchLabels())
          .isEqualTo(PoolLabels.executorSelector("lake")));
      assertThat(rule.getPorts()).extracting(pt -> pt.getPort().getIntVal())
          .containsExactlyInAnyOrder(PoolLabels.SPARK_DRIVER_PORT, PoolLabels.SPARK_BLOCK_MANAGER_PORT);
    });

    // Executors inside the driver again, and no driver left running as the account: it goes, and
    // what came with it.
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("lake").edit(p -> {
      p.getSpec().getDriver().getSpark().setMaster("local[2]");
      p.getSpec().setReplicas(0);
      return p;
    });
    assertThat(rbac.roleBindings().inNamespace(NS).withName("lake-spark")
        .waitUntilCondition(java.util.Objects::isNull, 120, TimeUnit.SECONDS)).isNull();
    assertThat(cluster.client().serviceAccounts().inNamespace(NS).withName("lake-spark-executor").get()).isNull();
    assertThat(cluster.client().serviceAccounts().inNamespace(NS).withName("lake-spark").get()).isNull();
    assertThat(cluster.client().network().v1().networkPolicies().inNamespace(NS).withName("lake-spark-executors")
        .get()).isNull();
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("lake").delete();
  }

  /** Whether {@code client}'s identity may {@code verb} {@code resource} in {@code namespace}. */
  private static boolean allowed(KubernetesClient client, String namespace, String verb, String resource) {
    return client.authorization().v1().selfSubjectAccessReview().create(
        new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder().withNewSpec()
            .withNewResourceAttributes().withNamespace(namespace).withVerb(verb).withResource(resource)
            .endResourceAttributes().endSpec().build()).getStatus().getAllowed();
  }
}

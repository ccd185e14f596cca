package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.operator.session.MoveHook;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.SessionSnapshot;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's routing core on a real control plane, operator and local node. */
class GatewayIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withLocalNode().build();
  private static final String NS = "gw";
  private static KubernetesClient operatorClient;
  private static BatonOperator operator;
  private static SessionDirectory directory;
  private static GatewayServer gateway;
  private static ClientSession session;
  private static String control;

  @BeforeAll
  static void start() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    operatorClient = cluster.controlPlane().adminClient();
    operator = startOperator();
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: routed, namespace: gw}
        spec:
          replicas: 2
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: via-gateway, namespace: gw}
        spec:
          pool: routed
          principal: "token:alice"
          views:
            - {name: evens, sql: "SELECT range AS n FROM range(100) WHERE range % 2 = 0"}
        """);
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("routed")
        .waitUntilCondition(p -> p != null && p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()),
            180, TimeUnit.SECONDS);
    session = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("via-gateway")
        .waitUntilCondition(cs -> cs != null && cs.getStatus() != null && cs.getStatus().getPhase() == SessionPhase.Bound,
            120, TimeUnit.SECONDS);
    cluster.client().secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("routed-tokens").endMetadata()
        .addToStringData("alice", "alice-secret-token").addToStringData("mallory", "mallory-secret-token").build()).create();
    directory = new SessionDirectory(cluster.client(), NS, "routed");
    control = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, "routed");
    gateway = new GatewayServer(directory, new SessionCreator(cluster.client(), NS, "routed"),
        new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(dev.baton.operator.pool.ControlTokens.sessionToken(control)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (directory != null) {
      directory.close();
    }
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
  }

  /** Through the gateway with a static token; the claimed principal header is ignored by it. */
  private static Session through(String principal) {
    return Baton.builder().target("127.0.0.1:" + gateway.port()).principal("alice")
        .token(principal + "-secret-token").attach(session.getStatus().getSessionId()).connect();
  }

  @Test
  void queriesAndStreamsGoThroughTheGateway() {
    try (Session s = through("alice")) {
      assertThat(s.table("evens").count()).isEqualTo(50);
      long rows = 0;
      try (ArrowBatchStream stream = s.range(0, 1_000_000).stream()) {
        while (stream.next()) {
          rows += stream.root().getRowCount();
        }
      }
      assertThat(rows).isEqualTo(1_000_000L);
    }
    String metrics = gateway.metrics().scrape();
    assertThat(metrics).containsPattern(
        "baton_gateway_calls_total\\{code=\"OK\",method=\"baton.v1.SessionService/ExecutePlan\"\\} [1-9]");
    assertThat(metrics).containsPattern("baton_gateway_bytes_total\\{direction=\"to_client\"\\} [1-9]");
    assertThat(metrics).contains("baton_gateway_call_seconds_bucket");
  }

  @Test
  void othersAndUnknownSessionsAreRefused() {
    assertThatThrownBy(() -> {
      try (Session s = through("mallory")) {
        s.table("evens").count();
      }
    }).isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> {
      try (Session s = Baton.builder().target("127.0.0.1:" + gateway.port()).token("alice-secret-token")
          .attach("cs-nosuchsession000000000000").connect()) {
        s.views();
      }
    }).isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void aSessionOpenedThroughTheGatewayIsAClientSessionOfTheCaller() throws Exception {
    String id;
    try (Session s = Baton.builder().target("127.0.0.1:" + gateway.port()).token("alice-secret-token")
        .principal("someone-else").config("user.purpose", "adhoc").connect()) {
      id = s.id();
      assertThat(id).startsWith("cs-");
      assertThat(s.openConfig()).containsEntry("user.purpose", "adhoc");
      assertThat(s.range(0, 1000).count()).isEqualTo(1000);
      var created = cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems().stream()
          .filter(cs -> cs.getStatus() != null && id.equals(cs.getStatus().getSessionId())).findFirst().orElseThrow();
      assertThat(created.getSpec().getPrincipal()).as("the token's principal, not the claimed one")
          .isEqualTo("token:alice");
      assertThat(created.getMetadata().getLabels()).containsEntry(SessionCreator.CREATED_BY, "gateway");
    }
    // Closing it removes its ClientSession.
    cluster.client().resources(ClientSession.class).inNamespace(NS).withLabel(SessionCreator.CREATED_BY, "gateway")
        .informOnCondition(list -> list.stream().noneMatch(cs -> cs.getStatus() != null
            && id.equals(cs.getStatus().getSessionId()))).get(60, TimeUnit.SECONDS);
  }

  /** A channel to the gateway as alice, routed by her own session. */
  private static io.grpc.Channel asAlice(io.grpc.ManagedChannel ch) {
    io.grpc.Metadata h = new io.grpc.Metadata();
    h.put(GatewayServer.AUTHORIZATION, "Bearer alice-secret-token");
    h.put(GatewayServer.SESSION, session.getStatus().getSessionId());
    return io.grpc.ClientInterceptors.intercept(ch, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h));
  }

  @Test
  void driverControlAndUnlistedServicesAreNeverForwardedWhateverTheCallerHolds() {
    io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forTarget("127.0.0.1:" + gateway.port()).usePlaintext().build();
    try {
      var control = dev.baton.proto.v1.DriverControlGrpc.newBlockingStub(asAlice(ch));
      List<Runnable> attacks = List.of(
          () -> control.exportSession(ExportSessionRequest.newBuilder().setSessionId("someone-elses-session").build()),
          () -> control.drain(dev.baton.proto.v1.DrainRequest.getDefaultInstance()),
          () -> control.importSession(SessionSnapshot.newBuilder().setFormatVersion(2)
              .setSessionId("forged-session-0000000000").setPrincipal("bob").build()),
          () -> control.listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()));
      for (Runnable attack : attacks) {
        assertThatThrownBy(attack::run).isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).contains("operator only");
        });
      }
      io.grpc.MethodDescriptor<byte[], byte[]> unknown = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(io.grpc.MethodDescriptor.MethodType.UNARY).setFullMethodName("evil.Service/Anything")
          .setRequestMarshaller(Bytes.MARSHALLER).setResponseMarshaller(Bytes.MARSHALLER).build();
      assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(asAlice(ch), unknown,
          io.grpc.CallOptions.DEFAULT, new byte[0])).isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
      // An OpenSession that names its id would open a session no ClientSession tracks.
      assertThatThrownBy(() -> dev.baton.proto.v1.SessionServiceGrpc.newBlockingStub(asAlice(ch))
          .openSession(dev.baton.proto.v1.OpenSessionRequest.newBuilder()
              .setSessionId("squatted-session-00000000").build()))
          .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    } finally {
      ch.shutdownNow();
    }
    // None of it reached a driver: those in service still accept sessions, and none holds a forged one.
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      for (Pod p : cluster.client().pods().inNamespace(NS)
          .withLabels(dev.baton.api.PoolLabels.driverSelector("routed")).list().getItems()) {
        if (p.getMetadata().getDeletionTimestamp() != null || p.getStatus().getPodIP() == null
            || "true".equals(p.getMetadata().getLabels().get(dev.baton.api.PoolLabels.DRAINING))) {
          continue; // evacuated by a move test
        }
        var driver = prober.stub(p.getStatus().getPodIP(), control);
        assertThat(driver.status(dev.baton.proto.v1.StatusRequest.getDefaultInstance()).getState())
            .isEqualTo(dev.baton.proto.v1.StatusResponse.State.ACCEPTING);
        assertThat(driver.listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList())
            .noneMatch(i -> i.getSessionId().startsWith("forged") || i.getSessionId().startsWith("squatted"));
      }
    }
    try (Session s = through("alice")) {
      assertThat(s.table("evens").count()).isEqualTo(50);
    }
  }

  @Test
  void theGatewaysOwnCredentialOpensTheSessionApiButNeverDriverControl() {
    // A driver in service (earlier tests may have moved the session and replaced its driver).
    String driverIp = cluster.client().pods().inNamespace(NS)
        .withLabels(dev.baton.api.PoolLabels.driverSelector("routed")).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus().getPodIP() != null
            && !"true".equals(p.getMetadata().getLabels().get(dev.baton.api.PoolLabels.DRAINING))
            && p.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
        .findFirst().orElseThrow().getStatus().getPodIP();
    io.grpc.ManagedChannel ch = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forAddress(driverIp, 15002).usePlaintext().build();
    try {
      io.grpc.Metadata h = new io.grpc.Metadata();
      h.put(GatewayServer.SESSION_TOKEN, dev.baton.operator.pool.ControlTokens.sessionToken(control));
      h.put(GatewayServer.CONTROL_TOKEN, dev.baton.operator.pool.ControlTokens.sessionToken(control));
      var asGateway = io.grpc.ClientInterceptors.intercept(ch, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h));
      assertThatThrownBy(() -> dev.baton.proto.v1.DriverControlGrpc.newBlockingStub(asGateway).exportSession(
          ExportSessionRequest.newBuilder().setSessionId(session.getStatus().getSessionId()).build()))
          .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void anOpenThatIsNotPlacedInTimeLeavesNoClientSessionBehind() throws Exception {
    // A hold of 1 ms: no session is placed that fast, so every open through this gateway fails.
    try (GatewayServer impatient = new GatewayServer(directory, new SessionCreator(cluster.client(), NS, "routed"),
        new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofMillis(1)).withSessionToken(
            dev.baton.operator.pool.ControlTokens.sessionToken(control)))) {
      assertThatThrownBy(() -> Baton.builder().target("127.0.0.1:" + impatient.port()).token("mallory-secret-token")
          .retryPolicy(dev.baton.client.RetryPolicy.none()).connect())
          .isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    cluster.client().resources(ClientSession.class).inNamespace(NS).withLabel(SessionCreator.CREATED_BY, "gateway")
        .informOnCondition(list -> list.stream().noneMatch(cs -> "token:mallory".equals(cs.getSpec().getPrincipal())))
        .get(60, TimeUnit.SECONDS);
  }

  @Test
  void aPrincipalAtItsSessionLimitIsRefusedWithoutCreatingAnything() throws Exception {
    // alice already holds the declared via-gateway session: a limit of one leaves her no more.
    try (GatewayServer strict = new GatewayServer(directory, new SessionCreator(cluster.client(), NS, "routed"),
        new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(
            dev.baton.operator.pool.ControlTokens.sessionToken(control)).withQuota(new SessionQuota(1, 0)))) {
      int before = cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems().size();
      assertThatThrownBy(() -> Baton.builder().target("127.0.0.1:" + strict.port()).token("alice-secret-token")
          .retryPolicy(dev.baton.client.RetryPolicy.none()).connect())
          .isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getMessage()).contains("maximum of 1 sessions");
          });
      assertThat(cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()).hasSize(before);
    }
  }

  @Test
  void theTokenCacheStaysBoundedUnderAFloodOfRandomTokens() {
    Authenticator bounded = new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofMinutes(5),
        List.of(), 8);
    for (int i = 0; i < 40; i++) {
      assertThat(bounded.principal("random-" + java.util.UUID.randomUUID())).isEmpty();
    }
    assertThat(bounded.principal("alice-secret-token")).contains("token:alice");
    assertThat(bounded.cachedTokens()).isLessThanOrEqualTo(8);
  }

  @Test
  void callersMustProveWhoTheyAre() {
    for (String token : new String[] {null, "not-a-token"}) {
      assertThatThrownBy(() -> {
        var b = Baton.builder().target("127.0.0.1:" + gateway.port()).principal("alice")
            .attach(session.getStatus().getSessionId());
        if (token != null) {
          b.token(token);
        }
        try (Session s = b.connect()) {
          s.views();
        }
      }).isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
  }

  @Test
  void serviceAccountTokensAreVerifiedWithTokenReview() throws Exception {
    String sa = "system:serviceaccount:" + NS + ":reporter";
    cluster.apply("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: reporter, namespace: gw}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: sa-owned, namespace: gw}
        spec: {pool: routed, principal: "%s"}
        """.formatted(sa));
    ClientSession owned = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sa-owned")
        .waitUntilCondition(cs -> cs != null && cs.getStatus() != null && cs.getStatus().getPhase() == SessionPhase.Bound,
            120, TimeUnit.SECONDS);
    String token = cluster.client().serviceAccounts().inNamespace(NS).withName("reporter")
        .tokenRequest(new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withNewSpec()
            .withExpirationSeconds(600L).endSpec().build()).getStatus().getToken();
    try (Session s = Baton.builder().target("127.0.0.1:" + gateway.port()).token(token)
        .attach(owned.getStatus().getSessionId()).connect()) {
      assertThat(s.range(0, 10).count()).isEqualTo(10);
    }
    assertThatThrownBy(() -> {
      try (Session s = Baton.builder().target("127.0.0.1:" + gateway.port()).token(token)
          .attach(session.getStatus().getSessionId()).connect()) {
        s.views();
      }
    }).isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  /**
   * The operator's move hook for these tests: pauses a chosen session's move at a chosen point
   * until the test lets it go on, or stops it there for good (as if the operator died).
   */
  static final class MovePauses implements MoveHook {
    private final Map<String, Point> at = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> reached = new ConcurrentHashMap<>();
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean stopForGood;

    void pause(String sessionId, Point point) {
      at.put(sessionId, point);
      reached.put(sessionId, new CountDownLatch(1));
    }

    void awaitReached(String sessionId) throws InterruptedException {
      assertThat(reached.get(sessionId).await(120, TimeUnit.SECONDS)).as("move of " + sessionId + " reached "
          + at.get(sessionId)).isTrue();
    }

    /** Lets paused moves go on; with {@code stop}, they (and everything after) end there instead. */
    void release(boolean stop) {
      stopForGood = stop;
      go.countDown();
    }

    @Override
    public void reached(String sessionId, Point point) {
      if (stopForGood) {
        throw new IllegalStateException("operator stopped");
      }
      if (point == at.get(sessionId)) {
        reached.get(sessionId).countDown();
        try {
          go.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (stopForGood) {
          throw new IllegalStateException("operator stopped at " + point);
        }
      }
    }
  }

  private static MovePauses pauses = new MovePauses();

  private static BatonOperator startOperator() {
    pauses = new MovePauses();
    return new BatonOperator(operatorClient, Set.of(NS), null, "gateway-it", false, pauses).start();
  }

  private static ClientSession declare(String name) throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: %s, namespace: gw}
        spec: {pool: routed, principal: "token:alice"}
        """.formatted(name));
    return cluster.client().resources(ClientSession.class).inNamespace(NS).withName(name)
        .waitUntilCondition(cs -> cs != null && cs.getStatus() != null && cs.getStatus().getPhase() == SessionPhase.Bound,
            120, TimeUnit.SECONDS);
  }

  private static ClientSession movedOff(String name, String driver) {
    return cluster.client().resources(ClientSession.class).inNamespace(NS).withName(name)
        .waitUntilCondition(cs -> cs.getStatus().getPhase() == SessionPhase.Bound && cs.getStatus().getMove() == null
            && !driver.equals(cs.getStatus().getDriverPod()), 180, TimeUnit.SECONDS);
  }

  /** Marks a driver for evacuation, as a user would: {@code kubectl label pod <driver> baton.dev/draining=true}. */
  private static void evacuate(String driverPod) {
    cluster.client().pods().inNamespace(NS).withName(driverPod)
        .edit(p -> { p.getMetadata().getLabels().put(dev.baton.api.PoolLabels.DRAINING, "true"); return p; });
  }

  /** The drivers of the pool that list the session (frozen copies included). */
  private static List<String> holders(String sessionId) {
    List<String> out = new java.util.ArrayList<>();
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      for (Pod p : cluster.client().pods().inNamespace(NS)
          .withLabels(dev.baton.api.PoolLabels.driverSelector("routed")).list().getItems()) {
        if (p.getMetadata().getDeletionTimestamp() != null || p.getStatus().getPodIP() == null) {
          continue;
        }
        try {
          if (prober.stub(p.getStatus().getPodIP(), control).withDeadlineAfter(5, TimeUnit.SECONDS)
              .listSessions(dev.baton.proto.v1.ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
              .anyMatch(i -> i.getSessionId().equals(sessionId))) {
            out.add(p.getMetadata().getName());
          }
        } catch (io.grpc.StatusRuntimeException e) {
          // a driver being deleted
        }
      }
    }
    return out;
  }

  private static Session as(String sessionId, String target) {
    return Baton.builder().target(target).token("alice-secret-token").attach(sessionId).connect();
  }

  /**
   * Routes that keep showing the session where it was until released: a gateway replica whose
   * cache lags the move, so its call reaches the old driver while the session is frozen there.
   */
  private static final class LaggingRoutes implements Routes {
    private final Routes live;
    private final Map<String, Route> pinned = new ConcurrentHashMap<>();
    private volatile boolean lagging = true;

    LaggingRoutes(Routes live, String sessionId) {
      this.live = live;
      pinned.put(sessionId, live.route(sessionId));
    }

    void catchUp() {
      lagging = false;
    }

    @Override
    public Route route(String sessionId) {
      return lagging && pinned.containsKey(sessionId) ? pinned.get(sessionId) : live.route(sessionId);
    }

    @Override
    public boolean awaitPresent(String sessionId, Duration timeout) {
      return route(sessionId) != null;
    }

    @Override
    public void awaitChange(String sessionId, Route seen, Duration max) throws InterruptedException {
      if (lagging) {
        Thread.sleep(max.toMillis());
      } else {
        live.awaitChange(sessionId, seen, max);
      }
    }

    @Override
    public RouteDecision decide(String sessionId, String caller, Duration hold) throws InterruptedException {
      return lagging ? RouteDecision.decide(sessionId, route(sessionId), caller) : live.decide(sessionId, caller, hold);
    }

    @Override
    public java.util.Collection<Route> all() {
      return live.all();
    }
  }

  @Test
  void aWriteThatReachesTheOldDriverDuringTheFreezeRunsExactlyOnceOnTheNewDriver() throws Exception {
    ClientSession cs = declare("raced");
    String id = cs.getStatus().getSessionId();
    String from = cs.getStatus().getDriverPod();
    try (Session s = as(id, "127.0.0.1:" + gateway.port())) {
      s.sql("CREATE TEMP TABLE marks AS SELECT range AS n FROM range(1000)").collect();
    }
    LaggingRoutes lag = new LaggingRoutes(directory, id);
    try (GatewayServer lagged = new GatewayServer(lag, null,
        new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(
            dev.baton.operator.pool.ControlTokens.sessionToken(control)))) {
      // The operator stops right after the freeze: the export has begun, the session is not bound anywhere else.
      pauses.pause(id, MoveHook.Point.FROZEN);
      evacuate(from);
      pauses.awaitReached(id);

      // A gateway that still believes the session is Bound on its old driver sends a write there.
      CompletableFuture<Long> write = CompletableFuture.supplyAsync(() -> {
        try (Session s = as(id, "127.0.0.1:" + lagged.port())) {
          s.sql("INSERT INTO marks VALUES (424242)").collect();
          return s.sql("SELECT count(*) AS c FROM marks WHERE n = 424242").collect().get(0).getLong("c");
        }
      });
      // The old driver answered "moving" (nothing ran) and the gateway holds the call.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!lagged.metrics().scrape().matches("(?s).*baton_gateway_held_calls [1-9].*")
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(lagged.metrics().scrape()).containsPattern("baton_gateway_held_calls [1-9]");
      assertThat(write).as("held, not failed, while frozen").isNotDone();

      pauses.release(false);
      ClientSession moved = movedOff("raced", from);
      lag.catchUp();
      assertThat(write.get(60, TimeUnit.SECONDS)).as("the write ran exactly once").isEqualTo(1L);
      assertThat(moved.getStatus().getMigrations()).isEqualTo(1);
      assertThat(holders(id)).as("on exactly one driver").containsExactly(moved.getStatus().getDriverPod());
      try (Session s = as(id, "127.0.0.1:" + gateway.port())) {
        assertThat(s.sql("SELECT count(*) AS c FROM marks").collect().get(0).getLong("c")).isEqualTo(1001L);
      }
      assertThat(lagged.metrics().scrape()).containsPattern("baton_gateway_calls_resent_total [1-9]");
    }
  }

  @Test
  void anOperatorStoppedAtAnyStepOfAMoveLeavesEachSessionOnExactlyOneDriverAndNoCallFails() throws Exception {
    MoveHook.Point[] points = MoveHook.Point.values();
    Map<String, Double> failedBefore = failedCalls();
    List<ClientSession> sessions = new java.util.ArrayList<>();
    for (int i = 0; i < points.length; i++) {
      sessions.add(declare("stopped-" + i));
    }
    // Each session has a client calling it through the gateway all along, writing and reading back.
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<CompletableFuture<Integer>> clients = new java.util.ArrayList<>();
    for (ClientSession cs : sessions) {
      clients.add(CompletableFuture.supplyAsync(() -> {
        int calls = 0;
        try (Session s = as(cs.getStatus().getSessionId(), "127.0.0.1:" + gateway.port())) {
          s.sql("CREATE TEMP TABLE log (n BIGINT)").collect();
          for (int n = 0; running.get(); n++) {
            s.sql("INSERT INTO log VALUES (" + n + ")").collect();
            assertThat(s.sql("SELECT count(*) AS c FROM log").collect().get(0).getLong("c")).isEqualTo(n + 1L);
            calls += 2;
          }
        }
        return calls;
      }));
    }
    Set<String> from = new java.util.HashSet<>();
    for (int i = 0; i < points.length; i++) {
      pauses.pause(sessions.get(i).getStatus().getSessionId(), points[i]);
      from.add(sessions.get(i).getStatus().getDriverPod());
    }
    from.forEach(GatewayIT::evacuate);
    for (ClientSession cs : sessions) {
      pauses.awaitReached(cs.getStatus().getSessionId());
    }
    // Every move is stopped at its own point; the operator goes away and a new one takes over.
    BatonOperator stopped = operator;
    CompletableFuture<Void> closing = CompletableFuture.runAsync(stopped::close);
    pauses.release(true);
    closing.get(60, TimeUnit.SECONDS);
    operator = startOperator();

    for (ClientSession cs : sessions) {
      ClientSession done = movedOff(cs.getMetadata().getName(), cs.getStatus().getDriverPod());
      assertThat(done.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
      // Once, or twice when it first went to the other evacuated driver before that one was labelled.
      assertThat(done.getStatus().getMigrations()).as(cs.getMetadata().getName()).isBetween(1, 2);
      assertThat(from).as("ends on a driver in service").doesNotContain(done.getStatus().getDriverPod());
      assertThat(holders(done.getStatus().getSessionId())).as("%s on exactly one driver", cs.getMetadata().getName())
          .containsExactly(done.getStatus().getDriverPod());
    }
    Thread.sleep(2000); // calls on the new drivers too
    running.set(false);
    for (CompletableFuture<Integer> c : clients) {
      assertThat(c.get(120, TimeUnit.SECONDS)).as("calls that succeeded").isPositive();
    }
    assertThat(failedCalls()).as("calls the gateway failed (before: %s)", failedBefore).isEqualTo(failedBefore);
  }

  /**
   * Calls the in-process gateway ended with an error, by method and code. Left out: Release (the
   * SDK sends it without waiting and ignores its answer: a release racing another is NOT_FOUND)
   * and CANCELLED (the SDK cancels a stream as soon as it has read the completion marker, which
   * may reach the gateway before the driver's OK; a call the driver cancelled would fail the client).
   */
  private static Map<String, Double> failedCalls() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
        "baton_gateway_calls_total\\{code=\"([A-Z_]+)\",method=\"([^\"]+)\"\\} ([0-9.eE+]+)")
        .matcher(gateway.metrics().scrape());
    Map<String, Double> out = new java.util.TreeMap<>();
    while (m.find()) {
      if (!m.group(1).equals("OK") && !m.group(1).equals("CANCELLED") && !m.group(2).endsWith("/Release")) {
        out.merge(m.group(2) + " " + m.group(1), Double.parseDouble(m.group(3)), Double::sum);
      }
    }
    return out;
  }

  @Test
  void aDriverKilledWithTenSessionsHasThemReopenedWithTheirIdsAndClientsCarryOn() throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: lossy, namespace: gw}
        spec:
          replicas: 1
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
        """);
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName("lossy")
        .waitUntilCondition(p -> p != null && p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getReadyReplicas()),
            180, TimeUnit.SECONDS);
    String lossyControl = new dev.baton.operator.pool.ControlTokens(cluster.client()).token(NS, "lossy");
    try (SessionDirectory routes = new SessionDirectory(cluster.client(), NS, "lossy");
        GatewayServer lossyGateway = new GatewayServer(routes, new SessionCreator(cluster.client(), NS, "lossy"),
            new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
            GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(
                dev.baton.operator.pool.ControlTokens.sessionToken(lossyControl)))) {
      List<Session> clients = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Session s = Baton.builder().target("127.0.0.1:" + lossyGateway.port()).token("alice-secret-token").connect();
        s.setConfig("user.client", Integer.toString(i));
        clients.add(s);
      }
      List<ClientSession> before = cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems()
          .stream().filter(cs -> "lossy".equals(cs.getSpec().getPool())).toList();
      assertThat(before).hasSize(10);
      String victim = before.get(0).getStatus().getDriverPod();
      assertThat(before).allMatch(cs -> victim.equals(cs.getStatus().getDriverPod()));

      ProcessHandle driver = cluster.node().containerProcess(NS, victim, "driver").orElseThrow();
      driver.destroyForcibly();
      driver.onExit().get(30, TimeUnit.SECONDS);

      // Every client's next call completes (the SDK rides through the one retryable error).
      for (Session s : clients) {
        assertThat(s.range(0, 10).count()).isEqualTo(10);
      }
      for (ClientSession cs : before) {
        ClientSession now = cluster.client().resources(ClientSession.class).inNamespace(NS)
            .withName(cs.getMetadata().getName()).waitUntilCondition(x -> x.getStatus().getPhase() == SessionPhase.Bound
                && !victim.equals(x.getStatus().getDriverPod()), 120, TimeUnit.SECONDS);
        assertThat(now.getStatus().getSessionId()).isEqualTo(cs.getStatus().getSessionId());
        assertThat(now.getStatus().getMigrations()).isEqualTo(1);
        assertThat(now.getStatus().getConditions()).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("StateLost");
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getReason()).isEqualTo("DriverLost");
          assertThat(c.getMessage()).contains(victim).contains("Lost:");
        });
      }
      // What the client set at runtime was lost with the driver, as the condition says.
      assertThat(clients.get(0).config()).doesNotContainKey("user.client");
      for (Session s : clients) {
        s.close();
      }
    }
  }

  @Test
  void oldConnectionsAreRetiredAndAStreamOnOneCompletesExactlyOnce() throws Exception {
    // A second gateway whose connections live 1 s (+1 s grace): a slow 4 s stream is cut and
    // must resume on a new connection without losing or repeating a batch.
    try (GatewayServer aging = new GatewayServer(directory, null,
        new Authenticator(cluster.client(), NS, "routed-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(dev.baton.operator.pool.ControlTokens.sessionToken(control))
            .withConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        Session s = Baton.builder().target("127.0.0.1:" + aging.port()).token("alice-secret-token")
            .attach(session.getStatus().getSessionId()).batchRows(1000).connect()) {
      long rows = 0;
      long sum = 0;
      long expected = 0;
      try (ArrowBatchStream stream = s.range(0, 80_000).stream()) {
        while (stream.next()) {
          var ids = (org.apache.arrow.vector.BigIntVector) stream.root().getVector(0);
          for (int i = 0; i < ids.getValueCount(); i++) {
            assertThat(ids.get(i)).as("rows in order, none repeated").isEqualTo(expected++);
            sum += ids.get(i);
          }
          rows += ids.getValueCount();
          Thread.sleep(50);
        }
      }
      assertThat(rows).isEqualTo(80_000L);
      assertThat(sum).isEqualTo(80_000L * 79_999L / 2);
      assertThat(aging.metrics().scrape()).as("the client had to reconnect")
          .containsPattern("baton_gateway_connections_accepted_total ([2-9]|[1-9][0-9]+)\\.0");
    }
  }
}

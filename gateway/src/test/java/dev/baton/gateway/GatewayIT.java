package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.model.ClientSession;
import dev.baton.operator.model.DriverPool;
import dev.baton.operator.model.SessionPhase;
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
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
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
    // None of it reached a driver: both still accept sessions and hold no forged one.
    try (var prober = new dev.baton.operator.pool.DriverProber()) {
      for (Pod p : cluster.client().pods().inNamespace(NS)
          .withLabels(dev.baton.operator.pool.PoolLabels.driverSelector("routed")).list().getItems()) {
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
    String driverIp = session.getStatus().getEndpoint().split(":")[0];
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

  @Test
  void aCallDuringAMoveWaitsAndGoesToTheNewDriver() throws Exception {
    // The operator would report the session Bound on its old driver again: it steps aside.
    operator.close();
    try {
      ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("via-gateway").get();
      String from = cs.getStatus().getEndpoint().split(":")[0];
      Pod target = cluster.client().pods().inNamespace(NS)
          .withLabels(dev.baton.operator.pool.PoolLabels.driverSelector("routed")).list().getItems()
          .stream().filter(p -> !p.getStatus().getPodIP().equals(from)).findFirst().orElseThrow();
      cs.getStatus().setPhase(SessionPhase.Migrating);
      cs = cluster.client().resource(cs).updateStatus();

      CompletableFuture<Long> held = CompletableFuture.supplyAsync(() -> {
        try (Session s = through("alice")) {
          return s.table("evens").count();
        }
      });
      Thread.sleep(500);
      assertThat(held).as("held while Migrating").isNotDone();

      var prober = new dev.baton.operator.pool.DriverProber();
      SessionSnapshot snapshot = prober.stub(from, control).exportSession(
          ExportSessionRequest.newBuilder().setSessionId(cs.getStatus().getSessionId()).build());
      prober.stub(target.getStatus().getPodIP(), control).importSession(snapshot);
      new dev.baton.operator.session.DriverSessions(prober).close(from, control, cs.getStatus().getSessionId(), "token:alice");
      prober.close();
      cs.getStatus().setPhase(SessionPhase.Bound);
      cs.getStatus().setDriverPod(target.getMetadata().getName());
      cs.getStatus().setEndpoint(target.getStatus().getPodIP() + ":15002");
      cluster.client().resource(cs).updateStatus();

      assertThat(held.get(60, TimeUnit.SECONDS)).isEqualTo(50);
      try (Session s = through("alice")) {
        assertThat(s.table("evens").count()).as("next call on the new driver").isEqualTo(50);
      }
    } finally {
      operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
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

package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.Headers;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.MoveStatus;
import dev.baton.proto.v1.ReleaseSessionRequest;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SparkReplayStep;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Baton's plugin in real Apache Spark Connect servers of two Spark versions (4.2.1 and 4.3.0, from
 * PyPI): a session's state recorded on one, exported with freeze, imported by replay into the
 * other, and served there under the same session id and the server-side id its client saw.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkPluginIT {
  static final String OLD_SPARK = "4.2.1";
  static final String NEW_SPARK = "4.3.0";
  private static final String CONTROL_TOKEN = "control-token-for-spark-plugin-it";
  private static final String SESSION_TOKEN = "session-token-for-spark-plugin-it";

  private SparkConnectServerProcess oldServer;
  private SparkConnectServerProcess newServer;
  private final java.util.List<ManagedChannel> channels = new java.util.ArrayList<>();

  @BeforeAll
  void startServers() throws Exception {
    Map<String, String> env = Map.of("BATON_CONTROL_TOKEN", CONTROL_TOKEN, "BATON_SESSION_TOKEN", SESSION_TOKEN);
    Path logs = Path.of("target", "spark-logs");
    oldServer = SparkConnectServerProcess.start(OLD_SPARK, logs, env);
    newServer = SparkConnectServerProcess.start(NEW_SPARK, logs, env);
    oldServer.awaitServing(Duration.ofMinutes(3));
    newServer.awaitServing(Duration.ofMinutes(3));
  }

  @AfterAll
  void stopServers() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (oldServer != null) {
      oldServer.close();
    }
    if (newServer != null) {
      newServer.close();
    }
  }

  private DriverControlGrpc.DriverControlBlockingStub control(SparkConnectServerProcess server, String token) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.controlPort).usePlaintext().build();
    channels.add(ch);
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(Headers.CONTROL_TOKEN, token);
    }
    return DriverControlGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Opens a session as the operator does for a pool's driver (a client's first call opens none). */
  private void open(SparkConnectServerProcess server, String id, String user) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.controlPort).usePlaintext().build();
    channels.add(ch);
    Metadata headers = new Metadata();
    headers.put(Headers.SESSION_TOKEN, SESSION_TOKEN);
    headers.put(Headers.PRINCIPAL, user);
    dev.baton.proto.v1.SessionServiceGrpc.newBlockingStub(ch).withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(headers)).openSession(
        dev.baton.proto.v1.OpenSessionRequest.newBuilder().setSessionId(id).build());
  }

  @Test
  void aSessionMovedFromSpark421To430KeepsItsConfTempViewsAndServerSideSessionId() throws Exception {
    String id = UUID.randomUUID().toString();
    open(oldServer, id, "alice");
    try (ConnectClient onOld = new ConnectClient(oldServer.connectPort, id, "alice", SESSION_TOKEN)) {
      onOld.setConf("spark.sql.shuffle.partitions", "7");
      onOld.setConf("baton.it.key", "first");
      onOld.setConf("baton.it.key", "second");
      onOld.setConf("baton.it.unset", "x");
      onOld.unsetConf("baton.it.unset");
      onOld.sql("SET baton.it.sql = from-sql");
      onOld.sql("CREATE TEMP VIEW doubled AS SELECT id * 2 AS d FROM range(5)");
      onOld.rangeView("three", 3);
      onOld.sql("CREATE TEMP VIEW dropped AS SELECT 1 AS one");
      onOld.sql("DROP VIEW dropped");
      onOld.persistRange(10);
      assertThat(onOld.query("SELECT sum(d) FROM doubled")).containsExactly(List.of("20"));
      String seen = onOld.serverSideSessionId();
      assertThat(seen).isNotEmpty();

      SessionSnapshot snapshot = control(oldServer, CONTROL_TOKEN)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(id).setFreeze(true).build());
      assertThat(snapshot.getFormatVersion()).isEqualTo(4);
      assertThat(snapshot.getPrincipal()).isEqualTo("alice");
      assertThat(snapshot.getSparkServerSideSessionId()).isEqualTo(seen);
      assertThat(snapshot.getSparkReplayList()).extracting(SparkReplayStep::getSummary).containsExactly(
          "SET spark.sql.shuffle.partitions", "SET baton.it.key", "UNSET baton.it.unset",
          "SQL: SET baton.it.sql = from-sql", "SQL: CREATE TEMP VIEW doubled AS SELECT id * 2 AS d FROM range(5)",
          "createOrReplaceTempView three", "SQL: CREATE TEMP VIEW dropped AS SELECT 1 AS one", "SQL: DROP VIEW dropped");
      assertThat(snapshot.getNotMovedList()).containsExactly("cached DataFrame (persist)");

      // Frozen: the old server runs nothing more for the session and says why.
      assertThatThrownBy(() -> onOld.conf("baton.it.key"))
          .satisfies(e -> assertThat(reason(e)).isEqualTo(MoveStatus.SESSION_MOVING));

      control(newServer, CONTROL_TOKEN).importSession(snapshot);
      control(oldServer, CONTROL_TOKEN).releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(id)
          .setMovedTo("new").build());
      assertThatThrownBy(() -> onOld.conf("baton.it.key"))
          .satisfies(e -> assertThat(reason(e)).isEqualTo(MoveStatus.SESSION_MOVED));

      try (ConnectClient onNew = onOld.reconnect(newServer.connectPort, SESSION_TOKEN)) {
        assertThat(onNew.conf("spark.sql.shuffle.partitions")).isEqualTo("7");
        assertThat(onNew.conf("baton.it.key")).isEqualTo("second");
        assertThat(onNew.conf("baton.it.unset")).isNull();
        assertThat(onNew.conf("baton.it.sql")).isEqualTo("from-sql");
        assertThat(onNew.query("SELECT sum(d) FROM doubled")).containsExactly(List.of("20"));
        assertThat(onNew.query("SELECT count(*) FROM three")).containsExactly(List.of("3"));
        assertThat(onNew.query("SELECT version()").get(0).get(0)).startsWith(NEW_SPARK);
        assertThatThrownBy(() -> onNew.query("SELECT * FROM dropped")).hasMessageContaining("dropped");
        // The client still sees the id it saw on the old server (its client would close otherwise).
        assertThat(onNew.serverSideSessionId()).isEqualTo(seen);
      }
      SessionSnapshot again = control(newServer, CONTROL_TOKEN)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(id).build());
      assertThat(again.getNotMovedList()).contains("cached DataFrame (persist)");
      assertThat(again.getSparkServerSideSessionId()).isEqualTo(seen);
    }
  }

  @Test
  void callsWithoutThePoolsTokensAreRefused() {
    try (ConnectClient noToken = new ConnectClient(oldServer.connectPort, UUID.randomUUID().toString(), "mallory",
        null)) {
      assertThatThrownBy(() -> noToken.conf("spark.sql.shuffle.partitions")).hasMessageContaining("UNAUTHENTICATED");
    }
    try (ConnectClient gatewayToken = new ConnectClient(oldServer.connectPort, UUID.randomUUID().toString(),
        "mallory", CONTROL_TOKEN)) {
      assertThatThrownBy(() -> gatewayToken.conf("spark.sql.shuffle.partitions"))
          .hasMessageContaining("UNAUTHENTICATED");
    }
    assertThatThrownBy(() -> control(oldServer, SESSION_TOKEN).status(StatusRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
  }

  @Test
  void aCallForASessionTheOperatorNeverOpenedIsNotFoundAndOpensNothing() {
    String id = UUID.randomUUID().toString();
    try (ConnectClient c = new ConnectClient(oldServer.connectPort, id, "erin", SESSION_TOKEN)) {
      assertThatThrownBy(() -> c.conf("spark.sql.shuffle.partitions")).hasMessageContaining("NOT_FOUND");
    }
    assertThat(control(oldServer, CONTROL_TOKEN).listSessions(ListSessionsRequest.getDefaultInstance())
        .getSessionsList()).noneSatisfy(s -> assertThat(s.getSessionId()).isEqualTo(id));
  }

  @Test
  void anotherUsersCallOnASessionIdIsRefusedAndTheSessionIsUntouched() throws Exception {
    String id = UUID.randomUUID().toString();
    open(oldServer, id, "alice");
    try (ConnectClient alice = new ConnectClient(oldServer.connectPort, id, "alice", SESSION_TOKEN);
        ConnectClient bob = new ConnectClient(oldServer.connectPort, id, "bob", SESSION_TOKEN)) {
      alice.setConf("baton.it.owner", "alice");
      assertThatThrownBy(() -> bob.setConf("baton.it.owner", "bob")).hasMessageContaining("PERMISSION_DENIED");
      assertThat(alice.conf("baton.it.owner")).isEqualTo("alice");
    }
  }

  @Test
  void statusAndSessionListTellTheDriversVersionAndItsSessions() {
    String id = UUID.randomUUID().toString();
    open(newServer, id, "carol");
    try (ConnectClient c = new ConnectClient(newServer.connectPort, id, "carol", SESSION_TOKEN)) {
      c.setConf("baton.it.listed", "yes");
    }
    StatusResponse status = control(newServer, CONTROL_TOKEN).status(StatusRequest.getDefaultInstance());
    assertThat(status.getVersion()).isEqualTo(NEW_SPARK);
    assertThat(status.getSnapshotFormatVersion()).isEqualTo(4);
    assertThat(status.getControlPort()).isEqualTo(newServer.controlPort);
    assertThat(control(newServer, CONTROL_TOKEN).listSessions(ListSessionsRequest.getDefaultInstance())
        .getSessionsList()).anySatisfy(s -> {
          assertThat(s.getSessionId()).isEqualTo(id);
          assertThat(s.getPrincipal()).isEqualTo("carol");
        });
  }

  @Test
  void theOperatorOpensADeclaredSessionWithItsConfigAndViewsAndTheProbeSeesItServing() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", newServer.controlPort).usePlaintext().build();
    channels.add(ch);
    assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(ch).check(
        io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    String id = UUID.randomUUID().toString();
    Metadata headers = new Metadata();
    headers.put(Headers.SESSION_TOKEN, SESSION_TOKEN);
    headers.put(Headers.PRINCIPAL, "dora");
    dev.baton.proto.v1.SessionServiceGrpc.SessionServiceBlockingStub sessions = dev.baton.proto.v1.SessionServiceGrpc
        .newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    sessions.openSession(dev.baton.proto.v1.OpenSessionRequest.newBuilder().setSessionId(id)
        .putConfig("spark.sql.shuffle.partitions", "3").build());
    sessions.createView(dev.baton.proto.v1.CreateViewRequest.newBuilder().setSessionId(id).setName("declared")
        .setReplace(true).setPlan(dev.baton.proto.v1.Plan.newBuilder().setRoot(dev.baton.proto.v1.Relation.newBuilder()
            .setSql(dev.baton.proto.v1.Sql.newBuilder().setQuery("SELECT 41 + 1 AS answer")))).build());
    assertThatThrownBy(() -> sessions.openSession(dev.baton.proto.v1.OpenSessionRequest.newBuilder()
        .setSessionId(id).build())).hasMessageContaining("ALREADY_EXISTS");
    assertThatThrownBy(() -> sessions.openSession(dev.baton.proto.v1.OpenSessionRequest.newBuilder()
        .setSessionId("not-a-uuid-but-long-enough").build())).hasMessageContaining("INVALID_ARGUMENT");
    try (ConnectClient c = new ConnectClient(newServer.connectPort, id, "dora", SESSION_TOKEN)) {
      assertThat(c.conf("spark.sql.shuffle.partitions")).isEqualTo("3");
      assertThat(c.query("SELECT answer FROM declared")).containsExactly(List.of("42"));
    }
    sessions.closeSession(dev.baton.proto.v1.CloseSessionRequest.newBuilder().setSessionId(id).build());
    assertThat(control(newServer, CONTROL_TOKEN).listSessions(ListSessionsRequest.getDefaultInstance())
        .getSessionsList()).noneSatisfy(s -> assertThat(s.getSessionId()).isEqualTo(id));
  }

  private static String reason(Throwable e) {
    org.sparkproject.connect.grpc.StatusRuntimeException sre = (org.sparkproject.connect.grpc.StatusRuntimeException) e;
    byte[] details = sre.getTrailers().get(org.sparkproject.connect.grpc.Metadata.Key.of("grpc-status-details-bin",
        org.sparkproject.connect.grpc.Metadata.BINARY_BYTE_MARSHALLER));
    Metadata trailers = new Metadata();
    trailers.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER), details);
    return MoveStatus.reason(io.grpc.Status.fromCodeValue(sre.getStatus().getCode().value()), trailers).orElse("none");
  }
}

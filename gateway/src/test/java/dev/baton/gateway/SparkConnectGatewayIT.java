package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.SessionPhase;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.e2e.tls.LocalhostCertificates;
import dev.baton.e2e.python.PySpark;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.session.MoveHook;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unmodified PySpark through a pool's gateway on the real control plane: TLS from a Secret,
 * ServiceAccount tokens, sessions created on first use and owned by their caller, and a session
 * that is moved to another driver while the client is using it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkConnectGatewayIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withLocalNode().build();
  private static final String NS = "sc";
  private static final String POOL = "spark";
  private static KubernetesClient operatorClient;
  private static BatonOperator operator;
  private static PySparkGateway pyspark;
  private static GatewayServer gateway;
  private static final GatewayIT.MovePauses pauses = new GatewayIT.MovePauses();
  private static Path caFile;
  private static String analyst;
  private static String intruder;

  @BeforeAll
  static void start() throws Exception {
    PySpark.python(); // made first: the first time on a machine takes a minute
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
    operatorClient = cluster.controlPlane().adminClient();
    operator = new BatonOperator(operatorClient, Set.of(NS), null, "spark-gateway-it", false, pauses).start();
    pyspark = PySparkGateway.withCertificate(cluster, NS, "spark-tls");
    caFile = pyspark.caFile();
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: spark, namespace: sc}
        spec:
          replicas: 2
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          gateway:
            tlsSecret: spark-tls
            services: [spark.connect.SparkConnectService, grpc.health.v1.Health]
        """);
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p != null && p.getStatus() != null
            && Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()), 180, TimeUnit.SECONDS);
    analyst = pyspark.serviceAccountToken("analyst");
    intruder = pyspark.serviceAccountToken("intruder");
    gateway = pyspark.start(POOL, "spark-tls").server();
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

  private static String url(String token, String sessionId) {
    return pyspark.url(token, sessionId);
  }

  private static Map<String, String> trust() {
    return pyspark.trust();
  }

  @Test
  @Order(1)
  void pysparkOperationsRunThroughTheGatewayOverTlsWithAServiceAccountToken() throws Exception {
    PySpark.Result r = PySpark.run("dataframe_operations.py", Duration.ofMinutes(5), trust(), url(analyst, null));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    Matcher passed = Pattern.compile("PASSED (\\d+) checks").matcher(r.output());
    assertThat(passed.find()).as(r.summary()).isTrue();
    assertThat(Integer.parseInt(passed.group(1))).isGreaterThanOrEqualTo(30);
    // The script's session was created on first use, owned by the ServiceAccount, and removed
    // when spark.stop() released it.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!sparkSessions().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(sparkSessions()).isEmpty();
  }

  private static java.util.List<ClientSession> sparkSessions() {
    return cluster.client().resources(ClientSession.class).inNamespace(NS).list().getItems().stream()
        .filter(cs -> cs.getSpec().getSessionId() != null).toList();
  }

  @Test
  @Order(2)
  void anotherPrincipalsSessionAndCallsWithoutATokenAreRefused() throws Exception {
    String id = UUID.randomUUID().toString();
    PySpark.Result used = PySpark.run("session_access.py", Duration.ofMinutes(2), trust(), "use", url(analyst, id));
    assertThat(used.exitCode()).as(used.summary()).isZero();
    ClientSession cs = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id).get();
    assertThat(cs.getSpec().getSessionId()).isEqualTo(id);
    assertThat(cs.getSpec().getPrincipal()).isEqualTo("system:serviceaccount:sc:analyst");
    assertThat(cs.getStatus().getSessionId()).isEqualTo(id);

    PySpark.Result other = PySpark.run("session_access.py", Duration.ofMinutes(2), trust(), "refused",
        url(intruder, id), "PERMISSION_DENIED");
    assertThat(other.exitCode()).as(other.summary()).isZero();
    assertThat(other.output()).contains("REFUSED PERMISSION_DENIED");
    PySpark.Result anonymous = PySpark.run("session_access.py", Duration.ofMinutes(2), trust(), "refused",
        url(null, id), "UNAUTHENTICATED");
    assertThat(anonymous.exitCode()).as(anonymous.summary()).isZero();
    // The session was not touched by either: its owner still uses it.
    PySpark.Result again = PySpark.run("session_access.py", Duration.ofMinutes(2), trust(), "use", url(analyst, id));
    assertThat(again.exitCode()).as(again.summary()).isZero();
  }

  @Test
  @Order(3)
  void aRenewedCertificateIsServedWithoutARestart() throws Exception {
    assertThat(servedSerial()).isEqualTo(BigInteger.ONE);
    LocalhostCertificates.Issued renewed = LocalhostCertificates.localhost(2);
    cluster.client().secrets().inNamespace(NS).withName("spark-tls").edit(s -> {
      s.setData(null);
      s.setStringData(Map.of("tls.crt", renewed.certPem(), "tls.key", renewed.keyPem()));
      return s;
    });
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!servedSerial().equals(BigInteger.TWO) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(servedSerial()).isEqualTo(BigInteger.TWO);
    Files.writeString(caFile, renewed.certPem()); // later clients trust the renewed one
  }

  /** The serial number of the certificate the gateway presents to a new connection. */
  private static BigInteger servedSerial() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    X509Certificate[] seen = new X509Certificate[1];
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        seen[0] = chain[0];
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", gateway.port())) {
      socket.setSSLParameters(withAlpn(socket.getSSLParameters()));
      socket.startHandshake();
    }
    return seen[0].getSerialNumber();
  }

  private static javax.net.ssl.SSLParameters withAlpn(javax.net.ssl.SSLParameters p) {
    p.setApplicationProtocols(new String[] {"h2"});
    return p;
  }

  @Test
  @Order(4)
  void aPysparkSessionKeepsItsViewsConfigAndIdWhenMovedWhileAQueryIsIssued() throws Exception {
    String id = UUID.randomUUID().toString();
    Path control = Files.createTempDirectory("moving-session");
    PySpark.Running script = PySpark.start("moving_session.py", trust(), url(analyst, id), control.toString());
    script.awaitLine("READY", Duration.ofMinutes(2));
    ClientSession before = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id).get();
    String from = before.getStatus().getDriverPod();
    pauses.pause(id, MoveHook.Point.FROZEN);
    cluster.client().pods().inNamespace(NS).withName(from)
        .edit(p -> {
          p.getMetadata().getLabels().put(dev.baton.api.PoolLabels.DRAINING, "true");
          return p;
        });
    pauses.awaitReached(id); // frozen on the old driver and exported; not yet on the new one
    Files.createFile(control.resolve("go"));
    script.awaitLine("ISSUED", Duration.ofSeconds(30));
    // The query is held by the gateway while the session is between drivers.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!gateway.metrics().scrape().matches("(?s).*baton_gateway_held_calls [1-9].*") && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(gateway.metrics().scrape()).containsPattern("baton_gateway_held_calls [1-9]");
    pauses.release(false);
    PySpark.Result r = script.finish(Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    assertThat(r.output()).contains("PASSED");
    ClientSession after = cluster.client().resources(ClientSession.class).inNamespace(NS).withName("sc-" + id).get();
    assertThat(after == null ? null : after.getStatus().getDriverPod()).as("moved off the drained driver")
        .isNotEqualTo(from);
  }

  @Test
  @Order(5)
  void pysparkSessionsUnderLoadKeepWorkingThroughADriverImageUpgrade() throws Exception {
    cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> Integer.valueOf(2).equals(p.getStatus().getReadyReplicas()), 180, TimeUnit.SECONDS);
    Path control = Files.createTempDirectory("upgrade-load");
    PySpark.Running script = PySpark.start("upgrade_load.py", trust(), url(analyst, null), control.toString(), "4");
    script.awaitLine("READY", Duration.ofMinutes(2));
    Map<String, String> revisions = new java.util.HashMap<>();
    for (ClientSession cs : sparkSessions()) {
      revisions.put(cs.getMetadata().getName(), cs.getStatus().getRevision());
    }
    assertThat(revisions).hasSizeGreaterThanOrEqualTo(4);
    var patched = cluster.controlPlane().kubectl("patch", "driverpool/" + POOL, "-n", NS, "--type=merge", "-p",
        "{\"spec\":{\"driver\":{\"image\":\"registry.example/baton-driver:1.1.0\"}}}");
    assertThat(patched.exitCode()).as(patched.output()).isZero();
    // Every session of the script ends on a driver of the new revision, while the queries go on.
    DriverPool upgraded = cluster.client().resources(DriverPool.class).inNamespace(NS).withName(POOL)
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getCurrentRevision() != null
            && !revisions.containsValue(p.getStatus().getCurrentRevision())
            && sparkSessions().stream().filter(cs -> revisions.containsKey(cs.getMetadata().getName()))
                .allMatch(cs -> cs.getStatus().getPhase() == SessionPhase.Bound && cs.getStatus().getMove() == null
                    && p.getStatus().getCurrentRevision().equals(cs.getStatus().getRevision())), 300, TimeUnit.SECONDS);
    Files.createFile(control.resolve("stop"));
    PySpark.Result r = script.finish(Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.summary()).isZero();
    Matcher passed = Pattern.compile("PASSED (\\d+)").matcher(r.output());
    assertThat(passed.find()).as(r.summary()).isTrue();
    assertThat(Integer.parseInt(passed.group(1))).isPositive();
    assertThat(upgraded.getStatus().getCurrentRevision()).isNotIn(revisions.values());
  }
}

package dev.baton.gateway;

import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.e2e.tls.LocalhostCertificates;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * A pool's gateway, in the test's process, as unmodified PySpark reaches it: TLS from the pool's
 * Secret (its CA trusted through gRPC's roots file) and ServiceAccount tokens.
 */
final class PySparkGateway implements AutoCloseable {
  private final KubeTestCluster cluster;
  private final String namespace;
  private final Path caFile;
  private SessionDirectory directory;
  private GatewayTls tls;
  private GatewayServer server;

  private PySparkGateway(KubeTestCluster cluster, String namespace, Path caFile) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.caFile = caFile;
  }

  /** Creates the pool's TLS Secret {@code tlsSecret} (a certificate for localhost, serial 1). */
  static PySparkGateway withCertificate(KubeTestCluster cluster, String namespace, String tlsSecret) throws Exception {
    LocalhostCertificates.Issued cert = LocalhostCertificates.localhost(1);
    Path ca = Files.createTempFile("gateway-ca", ".pem");
    Files.writeString(ca, cert.certPem());
    cluster.client().secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata()
        .withName(tlsSecret).endMetadata().withType("kubernetes.io/tls").addToStringData("tls.crt", cert.certPem())
        .addToStringData("tls.key", cert.keyPem()).build()).create();
    return new PySparkGateway(cluster, namespace, ca);
  }

  /** Starts the gateway of {@code pool} (which must exist, with its tokens) for Spark Connect calls. */
  PySparkGateway start(String pool, String tlsSecret) throws Exception {
    directory = new SessionDirectory(cluster.client(), namespace, pool);
    String control = new ControlTokens(cluster.client()).token(namespace, pool);
    tls = GatewayTls.fromSecret(cluster.client(), namespace, tlsSecret, Duration.ofSeconds(1));
    server = new GatewayServer(directory, new SessionCreator(cluster.client(), namespace, pool),
        new Authenticator(cluster.client(), namespace, null, Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30))
            .withSessionToken(ControlTokens.sessionToken(control))
            .withServices(new ServiceAllowList(Set.of("spark.connect.SparkConnectService")))
            .withTls(tls.credentials()));
    return this;
  }

  GatewayServer server() {
    return server;
  }

  Path caFile() {
    return caFile;
  }

  /** A token of a new ServiceAccount {@code name} of the namespace, valid for an hour. */
  String serviceAccountToken(String name) {
    cluster.client().serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName(name).endMetadata().build()).create();
    return cluster.client().serviceAccounts().inNamespace(namespace).withName(name)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus().getToken();
  }

  /** The gateway as a PySpark user addresses it: TLS, a token, optionally a chosen session id. */
  String url(String token, String sessionId) {
    return "sc://localhost:" + server.port() + "/;use_ssl=true" + (token == null ? "" : ";token=" + token)
        + (sessionId == null ? "" : ";session_id=" + sessionId);
  }

  /** PySpark trusts the gateway's self-signed certificate through gRPC's roots file. */
  Map<String, String> trust() {
    return Map.of("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", caFile.toString());
  }

  @Override
  public void close() throws Exception {
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
    if (directory != null) {
      directory.close();
    }
  }
}

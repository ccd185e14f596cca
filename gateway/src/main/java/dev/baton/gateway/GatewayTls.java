package dev.baton.gateway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's TLS identity, read from a {@code kubernetes.io/tls} Secret ({@code tls.crt},
 * {@code tls.key}, PEM; the key in PKCS#8) through the API, and read again periodically: a
 * renewed certificate (cert-manager, a rotation by hand) is served to new connections within
 * {@link #REFRESH}, with no restart and no volume. Only {@code get} on that one Secret is needed.
 * A Secret that cannot be read at start stops the gateway; a bad update is logged and the
 * previous identity kept.
 */
public final class GatewayTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayTls.class);
  static final Duration REFRESH = Duration.ofSeconds(30);

  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "gateway-tls-refresh");
    t.setDaemon(true);
    return t;
  });
  private String loadedVersion;

  private GatewayTls(KubernetesClient client, String namespace, String secretName, Duration refresh)
      throws IOException, GeneralSecurityException {
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (secret == null) {
      throw new IllegalStateException("TLS Secret " + namespace + "/" + secretName + " not found");
    }
    load(secret);
    refresher.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Serves the certificate in {@code secretName} and follows its changes. */
  public static GatewayTls fromSecret(KubernetesClient client, String namespace, String secretName)
      throws IOException, GeneralSecurityException {
    return new GatewayTls(client, namespace, secretName, REFRESH);
  }

  /** As {@link #fromSecret}, reading the Secret again every {@code refresh} (tests). */
  static GatewayTls fromSecret(KubernetesClient client, String namespace, String secretName, Duration refresh)
      throws IOException, GeneralSecurityException {
    return new GatewayTls(client, namespace, secretName, refresh);
  }

  public ServerCredentials credentials() {
    return TlsServerCredentials.newBuilder().keyManager(keys).build();
  }

  private void refresh() {
    try {
      Secret s = client.secrets().inNamespace(namespace).withName(secretName).get();
      if (s == null) {
        LOG.warn("TLS Secret {} is gone; still serving the previous certificate", secretName);
        return;
      }
      if (!s.getMetadata().getResourceVersion().equals(loadedVersion)) {
        load(s);
        LOG.info("TLS certificate reloaded from Secret {}", secretName);
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn("TLS Secret {} cannot be used now ({}); still serving the previous certificate", secretName,
          e.getMessage());
    }
  }

  private void load(Secret secret) throws IOException, GeneralSecurityException {
    Map<String, String> data = secret.getData();
    if (data == null || data.get("tls.crt") == null || data.get("tls.key") == null) {
      throw new IllegalStateException("TLS Secret " + secretName + " needs the keys tls.crt and tls.key");
    }
    load(Base64.getDecoder().decode(data.get("tls.crt")), Base64.getDecoder().decode(data.get("tls.key")));
    loadedVersion = secret.getMetadata().getResourceVersion();
  }

  /** Replaces the served identity with this certificate chain and key (PEM). */
  void load(byte[] certPem, byte[] keyPem) throws IOException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("gateway-tls");
    try {
      Path cert = Files.write(dir.resolve("tls.crt"), certPem);
      Path key = Files.write(dir.resolve("tls.key"), keyPem);
      keys.updateIdentityCredentials(cert.toFile(), key.toFile());
    } finally {
      for (String f : new String[] {"tls.crt", "tls.key"}) {
        Files.deleteIfExists(dir.resolve(f));
      }
      Files.deleteIfExists(dir);
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}

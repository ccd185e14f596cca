package dev.baton.gateway;

import dev.baton.api.HealthEndpoints;
import dev.baton.api.Durations;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway process, one per pool replica. Environment: {@code BATON_POOL} (required),
 * {@code POD_NAMESPACE} (the pool's namespace), {@code BATON_GATEWAY_PORT} (default 15002),
 * {@code HEALTH_PORT} (default 8080: /healthz, /readyz, /metrics), {@code BATON_HOLD} (how long
 * a call waits for a moving session, default 30s), {@code BATON_TOKEN_SECRET} (the Secret of
 * static tokens, optional), {@code BATON_TOKEN_AUDIENCES} (comma-separated audiences a reviewed
 * token must carry; default the API server's own), {@code BATON_SESSION_TOKEN} (the pool's
 * session-API token, sent to drivers; it opens no DriverControl), {@code BATON_SESSION_TOKEN_SECRET}
 * (the Secret holding it, read again every 5 s so a rotation needs no restart), {@code BATON_SERVICES}
 * (comma-separated gRPC services forwarded; default the session API and health),
 * {@code BATON_MAX_REQUEST_BYTES} (default 16777216), {@code BATON_MAX_SESSIONS_PER_PRINCIPAL} and
 * {@code BATON_MAX_SESSIONS} (sessions OpenSession may open per principal and in all; 0: no
 * limit), {@code BATON_MAX_CONNECTION_AGE} and
 * {@code BATON_MAX_CONNECTION_AGE_GRACE} (connection retirement; no age limit when unset, grace
 * default 60s), {@code BATON_TLS_SECRET} (a kubernetes.io/tls Secret: serve TLS with its certificate,
 * following its changes). The operator sets them; the Kubernetes client is configured the usual way
 * (in-cluster ServiceAccount). /readyz answers 503 until the session directory has synced.
 */
public final class GatewayMain {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {}

  public static void main(String[] args) throws Exception {
    var env = System.getenv();
    String pool = env.get("BATON_POOL");
    if (pool == null || pool.isBlank()) {
      System.err.println("baton-gateway: BATON_POOL must name the pool this gateway serves");
      System.exit(2);
    }
    String namespace = env.getOrDefault("POD_NAMESPACE", "default");
    KubernetesClient client = new KubernetesClientBuilder().build();
    SessionDirectory directory = new SessionDirectory(client, namespace, pool);
    String tokenSecret = env.get("BATON_TOKEN_SECRET");
    String sessionToken = env.get("BATON_SESSION_TOKEN");
    String maxAge = env.getOrDefault("BATON_MAX_CONNECTION_AGE", "");
    GatewayOptions options = new GatewayOptions("0.0.0.0",
        Integer.parseInt(env.getOrDefault("BATON_GATEWAY_PORT", "15002")),
        Durations.parse(env.getOrDefault("BATON_HOLD", "30s")),
        maxAge.isBlank() ? null : Durations.parse(maxAge),
        Durations.parse(env.getOrDefault("BATON_MAX_CONNECTION_AGE_GRACE", "60s")),
        sessionToken == null || sessionToken.isBlank() ? null : sessionToken,
        new ServiceAllowList(Set.copyOf(list(env.getOrDefault("BATON_SERVICES",
            String.join(",", ServiceAllowList.DEFAULT))))),
        Integer.parseInt(env.getOrDefault("BATON_MAX_REQUEST_BYTES",
            String.valueOf(GatewayOptions.DEFAULT_MAX_REQUEST_BYTES))),
        GatewayOptions.DEFAULT_MAX_CONCURRENT_CALLS,
        new SessionQuota(Integer.parseInt(env.getOrDefault("BATON_MAX_SESSIONS_PER_PRINCIPAL", "0")),
            Integer.parseInt(env.getOrDefault("BATON_MAX_SESSIONS", "0"))), null);
    String tlsSecret = env.get("BATON_TLS_SECRET");
    GatewayTls tls = null;
    if (tlsSecret != null && !tlsSecret.isBlank()) {
      tls = GatewayTls.fromSecret(client, namespace, tlsSecret);
      options = options.withTls(tls.credentials());
    }
    GatewayServer gateway = new GatewayServer(directory, new SessionCreator(client, namespace, pool),
        new Authenticator(client, namespace, tokenSecret == null || tokenSecret.isBlank() ? null : tokenSecret,
            java.time.Duration.ofSeconds(30), list(env.getOrDefault("BATON_TOKEN_AUDIENCES", ""))), options);
    String sessionTokenSecret = env.get("BATON_SESSION_TOKEN_SECRET");
    if (gateway.sessionToken() != null && sessionTokenSecret != null && !sessionTokenSecret.isBlank()) {
      gateway.sessionToken().follow(client, namespace, sessionTokenSecret);
    }
    // Ready once the session directory holds every ClientSession: before that, calls would be
    // answered NOT_FOUND for sessions that exist.
    HealthEndpoints health = HealthEndpoints.start(Integer.parseInt(env.getOrDefault("HEALTH_PORT", "8080")),
        directory::isSynced, "session directory not synced yet", gateway.metrics()::scrape);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      directory.close();
      health.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    LOG.info("gateway for pool {}/{} on port {}", namespace, pool, gateway.port());
    stopped.await();
  }

  private static List<String> list(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
  }
}

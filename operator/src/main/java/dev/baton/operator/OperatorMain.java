package dev.baton.operator;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process. Configuration by environment:
 *
 * <ul>
 *   <li>{@code WATCH_NAMESPACES}: comma-separated namespaces to watch; empty or unset watches all.
 *   <li>{@code LEADER_ELECTION_NAMESPACE}: where the leader Lease lives (the operator's own
 *       namespace); unset runs without leader election (a single replica).
 *   <li>{@code HEALTH_PORT}: port of /healthz, /readyz and /metrics (default 8080).
 * </ul>
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws Exception {
    Set<String> namespaces = Arrays.stream(System.getenv().getOrDefault("WATCH_NAMESPACES", "").split(","))
        .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    String leaseNamespace = System.getenv("LEADER_ELECTION_NAMESPACE");
    int healthPort = Integer.parseInt(System.getenv().getOrDefault("HEALTH_PORT", "8080"));

    KubernetesClient client = new KubernetesClientBuilder().build();
    BatonOperator operator = new BatonOperator(client, namespaces, leaseNamespace);
    HttpServer health = health(healthPort, operator);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping operator");
      operator.close();
      health.stop(0);
      client.close();
      stopped.countDown();
    }, "shutdown"));
    operator.start();
    LOG.info("operator started namespaces={} leaderElection={}", namespaces.isEmpty() ? "all" : namespaces,
        leaseNamespace == null ? "off" : leaseNamespace);
    stopped.await();
  }

  /**
   * /healthz: the process is up; /readyz: started with every informer healthy (503 before);
   * /metrics: Prometheus text.
   */
  private static HttpServer health(int port, BatonOperator operator) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> reply(ex, 200, "ok"));
    server.createContext("/readyz", ex -> {
      if (operator.isReady()) {
        reply(ex, 200, "ok");
      } else {
        reply(ex, 503, "informers not started or not synced");
      }
    });
    server.createContext("/metrics", ex -> reply(ex, 200, operator.metrics().scrape()));
    server.start();
    return server;
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}

package dev.baton.operator;

import dev.baton.api.HealthEndpoints;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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
    // Ready once started with every informer healthy; leadership is not readiness (a standby
    // replica is ready to take over).
    HealthEndpoints health = HealthEndpoints.start(healthPort, operator::isReady,
        "informers not started or not synced", operator.metrics()::scrape);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping operator");
      operator.close();
      health.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    try {
      operator.start();
    } catch (InstalledCrds.OutdatedCrdsException e) {
      // Exit rather than run half-blind: the pod restarts until the CRDs are applied, and its
      // log (and termination message) says what to run.
      LOG.error("{}", e.getMessage());
      System.exit(1);
    } catch (RuntimeException | Error e) {
      // The health server's thread would keep a failed operator alive and looking healthy.
      LOG.error("operator failed to start", e);
      System.exit(1);
    }
    LOG.info("operator started namespaces={} leaderElection={}", namespaces.isEmpty() ? "all" : namespaces,
        leaseNamespace == null ? "off" : leaseNamespace);
    stopped.await();
  }
}

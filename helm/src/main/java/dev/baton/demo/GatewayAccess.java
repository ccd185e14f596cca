package dev.baton.demo;

import dev.baton.api.PoolLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** How the demo's clients reach a pool's gateway, as an SDK target. */
public interface GatewayAccess extends AutoCloseable {
  int GATEWAY_PORT = 15002;

  String target(KubernetesClient client, String namespace, String pool) throws InterruptedException;

  @Override
  default void close() {}

  /** Ready gateway pods of a pool, waited for. */
  static List<Pod> readyGateways(KubernetesClient client, String namespace, String pool, int replicas)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      List<Pod> ready = client.pods().inNamespace(namespace).withLabels(PoolLabels.gatewaySelector(pool)).list()
          .getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
              && p.getStatus().getPodIP() != null && p.getStatus().getConditions().stream()
                  .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")))
          .toList();
      if (ready.size() >= replicas) {
        return ready;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the gateway of pool " + namespace + "/" + pool + " has no " + replicas
        + " Ready pods after 5 minutes: kubectl -n " + namespace + " describe pods -l "
        + PoolLabels.POOL + "=" + pool + "," + PoolLabels.COMPONENT + "=gateway");
  }

  /**
   * The local cluster has no kube-proxy: the Service's address routes nowhere, so clients use
   * the gateway pods' addresses, all of them as one target.
   */
  static GatewayAccess podAddresses(int replicas) {
    return (client, namespace, pool) -> readyGateways(client, namespace, pool, replicas).stream()
        .map(p -> p.getStatus().getPodIP() + ":" + GATEWAY_PORT).collect(Collectors.joining(","));
  }

  /** On a real cluster, from outside it: a port-forward to the pool's Service, as kubectl port-forward does. */
  static GatewayAccess portForward() {
    List<LocalPortForward> forwards = new ArrayList<>();
    return new GatewayAccess() {
      @Override
      public String target(KubernetesClient client, String namespace, String pool) throws InterruptedException {
        readyGateways(client, namespace, pool, 1);
        LocalPortForward forward = client.services().inNamespace(namespace).withName(pool).portForward(GATEWAY_PORT);
        forwards.add(forward);
        return "127.0.0.1:" + forward.getLocalPort();
      }

      @Override
      public void close() {
        for (LocalPortForward f : forwards) {
          try {
            f.close();
          } catch (java.io.IOException ignored) {
            // closing a finished forward
          }
        }
      }
    };
  }
}

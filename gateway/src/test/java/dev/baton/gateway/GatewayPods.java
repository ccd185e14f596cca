package dev.baton.gateway;

import dev.baton.operator.pool.GatewayObjects;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A pool's gateway pods as tests see them (no kube-proxy here: clients use pod addresses). */
final class GatewayPods {
  private GatewayPods() {}

  /** The gateway pods that are Ready and not being deleted. */
  static List<Pod> ready(KubernetesClient client, String ns, String pool) {
    return client.pods().inNamespace(ns).withLabels(GatewayObjects.selector(pool)).list().getItems().stream()
        .filter(GatewayPods::serving).toList();
  }

  /** Ready, with an address and not being deleted: what a Service's endpoints would list. */
  static boolean serving(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
        && p.getStatus().getPodIP() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  /** Both replicas Ready (a killed one is restarted by the local node), within two minutes. */
  static List<Pod> both(KubernetesClient client, String ns, String pool) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      List<Pod> ready = ready(client, ns, pool);
      if (ready.size() == 2) {
        return ready;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("two gateway replicas never became Ready");
  }

  /** Both replicas, as one SDK target. */
  static String target(KubernetesClient client, String ns, String pool) throws InterruptedException {
    return both(client, ns, pool).stream().map(p -> p.getStatus().getPodIP() + ":" + GatewayObjects.GATEWAY_PORT)
        .collect(Collectors.joining(","));
  }
}

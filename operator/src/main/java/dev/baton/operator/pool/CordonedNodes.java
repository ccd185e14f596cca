package dev.baton.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes are cordoned ({@code spec.unschedulable}, the first step of {@code kubectl drain}):
 * their drivers are replaced like drivers of an old revision, so a drain waits for the handoff
 * (the pool's PodDisruptionBudget refuses driver evictions) instead of dropping sessions. Watched
 * with one informer; without the right to read nodes (a namespace-scoped install) no node counts
 * as cordoned and node maintenance falls back to evictions, which the budget refuses.
 */
public final class CordonedNodes implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CordonedNodes.class);
  private final SharedIndexInformer<Node> informer;

  public CordonedNodes(KubernetesClient client) {
    SharedIndexInformer<Node> started = null;
    try {
      started = client.nodes().inform();
    } catch (KubernetesClientException e) {
      LOG.warn("cannot watch nodes ({}): cordoned nodes are not noticed, so a node drain waits on the drivers' "
          + "PodDisruptionBudget until their pods are moved by other means", e.getMessage());
    }
    this.informer = started;
  }

  public boolean cordoned(String nodeName) {
    if (informer == null || nodeName == null || nodeName.isEmpty()) {
      return false;
    }
    Node n = informer.getStore().getByKey(nodeName);
    return n != null && n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}

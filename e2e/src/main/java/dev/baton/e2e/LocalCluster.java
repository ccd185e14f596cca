package dev.baton.e2e;

import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The local cluster: a real kube-apiserver and etcd (and kube-controller-manager when asked),
 * plus local nodes that run pods as processes. What the integration tests run on and what
 * {@code ./demo} starts when no cluster is given.
 */
public final class LocalCluster implements AutoCloseable {
  private final ControlPlane controlPlane;
  private final KubernetesClient admin;
  private final List<LocalNode> nodes = new ArrayList<>();
  private final List<KubernetesClient> nodeClients = new ArrayList<>();

  private LocalCluster(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.admin = controlPlane.adminClient();
  }

  /**
   * Starts it in {@code dir}.
   *
   * @param images what the nodes run; null starts no node
   */
  public static LocalCluster start(Path dir, boolean controllerManager, ImageCatalog images, int nodeCount)
      throws Exception {
    LocalCluster cluster = new LocalCluster(ControlPlane.start(dir, controllerManager));
    try {
      for (int i = 1; images != null && i <= nodeCount; i++) {
        KubernetesClient c = cluster.controlPlane.adminClient();
        cluster.nodeClients.add(c);
        String name = i == 1 ? LocalNode.DEFAULT_NAME : LocalNode.DEFAULT_NAME + "-" + i;
        cluster.nodes.add(new LocalNode(c, name, images, dir.resolve(i == 1 ? "pods" : "pods-" + i)).start());
      }
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** The admin client (closed with the cluster). */
  public KubernetesClient admin() {
    return admin;
  }

  public List<LocalNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Stops the nodes (their pods' processes first), then the control plane. */
  @Override
  public void close() {
    nodes.forEach(LocalNode::close);
    nodes.clear();
    nodeClients.forEach(KubernetesClient::close);
    nodeClients.clear();
    admin.close();
    controlPlane.close();
  }
}

package dev.baton.e2e.junit;

import dev.baton.e2e.LocalCluster;
import dev.baton.e2e.chart.RenderedChart;
import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives a test class a real control plane (and, when asked, the
 * controller manager and a local node). Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KubeTestCluster cluster = KubeTestCluster.builder().withLocalNode().build();
 * }</pre>
 *
 * <p>Everything is started before the first test and stopped after the last, also when a test or
 * the start fails. Component logs, pod logs and the kubeconfig stay in
 * {@code target/kube/<TestClass>/}; etcd's data is removed after a passing class.
 */
public final class KubeTestCluster implements BeforeAllCallback, AfterAllCallback {
  private final boolean controllerManager;
  private final ImageCatalog images;
  private final List<KubernetesClient> clients = new ArrayList<>();
  private ControlPlane controlPlane;
  private LocalNode node;
  private final List<LocalNode> nodes = new ArrayList<>();
  private final int nodeCount;
  private KubernetesClient admin;
  private LocalCluster local;

  private KubeTestCluster(boolean controllerManager, ImageCatalog images, int nodeCount) {
    this.nodeCount = nodeCount;
    this.controllerManager = controllerManager;
    this.images = images;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of the test cluster. */
  public static final class Builder {
    private boolean controllerManager;
    private ImageCatalog images;
    private int nodeCount = 1;

    /** Also run kube-controller-manager (garbage collection, namespace deletion). */
    public Builder withControllerManager() {
      this.controllerManager = true;
      return this;
    }

    /** Run a local node with the project's images. */
    public Builder withLocalNode() {
      return withLocalNode(ImageCatalog.standard());
    }

    public Builder withLocalNode(ImageCatalog images) {
      this.images = images;
      return this;
    }

    /** Run {@code count} local nodes (pods spread over them, least loaded first). */
    public Builder withLocalNodes(int count) {
      this.images = ImageCatalog.standard();
      this.nodeCount = count;
      return this;
    }

    public KubeTestCluster build() {
      return new KubeTestCluster(controllerManager, images, nodeCount);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Path dir = Path.of("target", "kube", context.getRequiredTestClass().getSimpleName()).toAbsolutePath();
    deleteRecursively(dir);
    local = LocalCluster.start(dir, controllerManager, images, nodeCount);
    controlPlane = local.controlPlane();
    admin = local.admin();
    nodes.addAll(local.nodes());
    node = nodes.isEmpty() ? null : nodes.get(0);
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    stop();
    if (context.getExecutionException().isEmpty() && controlPlane != null) {
      deleteRecursively(controlPlane.workDir().resolve("etcd-data"));
    }
  }

  private void stop() {
    for (KubernetesClient c : clients) {
      c.close();
    }
    clients.clear();
    nodes.clear();
    if (local != null) {
      local.close();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** The shared admin client (closed by the extension). */
  public KubernetesClient client() {
    return admin;
  }

  /** A client acting as {@code user} (closed by the extension). */
  public KubernetesClient clientAs(String user, String... groups) {
    KubernetesClient c = controlPlane.clientAs(user, groups);
    clients.add(c);
    return c;
  }

  public KubernetesClient clientAsServiceAccount(String namespace, String name) {
    KubernetesClient c = controlPlane.clientAsServiceAccount(namespace, name);
    clients.add(c);
    return c;
  }

  public KubernetesClient clientWithToken(String token) {
    KubernetesClient c = controlPlane.clientWithToken(token);
    clients.add(c);
    return c;
  }

  /** Every local node, the first being {@link #node()}. */
  public List<LocalNode> nodes() {
    return List.copyOf(nodes);
  }

  /** The process of a running container on whichever local node runs its pod. */
  public java.util.Optional<ProcessHandle> containerProcess(String namespace, String pod, String container) {
    return nodes.stream().map(n -> n.containerProcess(namespace, pod, container)).flatMap(java.util.Optional::stream)
        .findFirst();
  }

  public LocalNode node() {
    if (node == null) {
      throw new IllegalStateException("this cluster was built without a local node");
    }
    return node;
  }

  /**
   * Applies every CRD manifest in {@code directory} with kubectl and waits until each CRD it
   * defines is Established, so the test can create its resources at once.
   */
  public void installCrds(Path directory) throws Exception {
    controlPlane.installCrds(directory, admin);
  }

  /** Applies manifests (text, or a file path with {@code applyFile}); fails with kubectl's output. */
  public void apply(String yaml) throws Exception {
    var r = controlPlane.kubectlApply(yaml);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl apply failed:\n" + r.output() + "\nmanifest:\n" + yaml);
    }
  }

  public void applyFile(Path manifest) throws Exception {
    var r = controlPlane.kubectl("apply", "-f", manifest.toString());
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl apply -f " + manifest + " failed:\n" + r.output());
    }
  }

  /**
   * Installs the RBAC the chart renders for release {@code baton} in {@code baton-system} (its
   * ServiceAccount {@code baton-operator}, roles and bindings) and returns a client acting as
   * that account, so the operator under test runs with exactly the chart's rights.
   *
   * @param values {@code --set} values, e.g. {@code watchNamespaces[0]=pools}
   */
  public KubernetesClient operatorClientWithChartRbac(Map<String, ?> values) {
    namespace(RenderedChart.NAMESPACE);
    var rendered = RenderedChart.render(RenderedChart.CHART, values);
    admin.resourceList(rendered.rbac()).forceConflicts().serverSideApply();
    return clientAsServiceAccount(RenderedChart.NAMESPACE, "baton-operator");
  }

  /**
   * Binds ClusterRole {@code clusterRole} to ServiceAccount {@code namespace/account} and returns
   * a client acting as that account, so code under test runs with exactly those rules.
   */
  public KubernetesClient clientBoundTo(String clusterRole, String namespace, String account) {
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
        .withNewMetadata().withName(clusterRole + ":" + namespace + ":" + account).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole)
        .endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(account).withNamespace(namespace).endSubject()
        .build()).serverSideApply();
    return clientAsServiceAccount(namespace, account);
  }

  /** Creates a namespace (idempotent) and returns its name. */
  public String namespace(String name) {
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
    return name;
  }
}

package dev.baton.bench;

import dev.baton.api.model.DriverPool;
import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import dev.baton.gateway.Authenticator;
import dev.baton.gateway.GatewayOptions;
import dev.baton.gateway.GatewayServer;
import dev.baton.gateway.SessionCreator;
import dev.baton.gateway.SessionDirectory;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A pool {@code bench/bench} for a benchmark: a real control plane, the local node, the operator,
 * and a gateway in this process that clients reach on loopback with the token {@code bench-token}.
 */
final class BenchPool implements AutoCloseable {
  static final String NS = "bench";
  private final ControlPlane plane;
  private final KubernetesClient admin;
  private final KubernetesClient nodeClient;
  private final LocalNode node;
  private final BatonOperator operator;
  private final SessionDirectory directory;
  private final GatewayServer gateway;

  private BenchPool(int replicas) throws Exception {
    Path dir = Files.createTempDirectory("baton-bench");
    plane = ControlPlane.start(dir, false);
    admin = plane.adminClient();
    nodeClient = plane.adminClient();
    node = new LocalNode(nodeClient, LocalNode.DEFAULT_NAME, ImageCatalog.standard(), dir.resolve("pods")).start();
    plane.installCrds(Path.of("crds"), admin);
    check(plane.kubectl("create", "namespace", NS));
    operator = new BatonOperator(admin, Set.of(NS), null).start();
    check(plane.kubectlApply("""
        apiVersion: v1
        kind: Secret
        metadata: {name: bench-tokens, namespace: bench}
        stringData: {bench: bench-token}
        ---
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: bench, namespace: bench}
        spec:
          replicas: %d
          driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1}}
          sessions: {maxPerPrincipal: 1000}
        """.formatted(replicas)));
    await(p -> Integer.valueOf(replicas).equals(p.getStatus().getReplicas())
        && Integer.valueOf(replicas).equals(p.getStatus().getReadyReplicas()));
    String control = new ControlTokens(admin).token(NS, "bench");
    directory = new SessionDirectory(admin, NS, "bench");
    gateway = new GatewayServer(directory, new SessionCreator(admin, NS, "bench"),
        new Authenticator(admin, NS, "bench-tokens", Duration.ofSeconds(10)),
        GatewayOptions.local(Duration.ofSeconds(30)).withSessionToken(ControlTokens.sessionToken(control)));
  }

  /** Starts everything and waits for {@code replicas} drivers to be ready. */
  static BenchPool start(int replicas) throws Exception {
    return new BenchPool(replicas);
  }

  KubernetesClient admin() {
    return admin;
  }

  /** The gateway's address, for the SDK. */
  String target() {
    return "127.0.0.1:" + gateway.port();
  }

  /** Waits (up to 10 minutes) until the pool's status satisfies {@code condition}. */
  void await(Predicate<DriverPool> condition) {
    await("bench", condition);
  }

  /** Waits (up to 10 minutes) until the status of the namespace's pool {@code name} satisfies {@code condition}. */
  void await(String name, Predicate<DriverPool> condition) {
    admin.resources(DriverPool.class).inNamespace(NS).withName(name).waitUntilCondition(p -> p != null
        && p.getStatus() != null && condition.test(p), 600, TimeUnit.SECONDS);
  }

  /** Applies manifests with kubectl, as a user would. */
  void apply(String manifests) throws Exception {
    check(plane.kubectlApply(manifests));
  }

  private static void check(ControlPlane.KubectlResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(r.output());
    }
  }

  @Override
  public void close() throws Exception {
    gateway.close();
    directory.close();
    operator.close();
    node.close();
    nodeClient.close();
    admin.close();
    plane.close();
  }
}

package dev.baton.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.BatonOperator;
import dev.baton.operator.model.DriverPool;
import dev.baton.operator.pool.PoolLabels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Must show 1 and 2 (sessions-free part): a DriverPool of 3 becomes 3 ready drivers on the local
 * node, with true status, printer columns and an EndpointSlice of exactly their IPs; kubectl
 * scale moves the counts and the slice; sessions on removed drivers are moved first.
 */
class DriverPoolIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().withLocalNode().build();

  private static final String NS = "pools";
  private static BatonOperator operator;
  private static KubernetesClient operatorClient;

  @BeforeAll
  static void start() throws Exception {
    var r = cluster.controlPlane().kubectl("apply", "-f", Path.of("..", "crds").toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    cluster.client().apiextensions().v1().customResourceDefinitions().withName("driverpools.baton.dev")
        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
            .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")), 60, TimeUnit.SECONDS);
    cluster.namespace(NS);
    operatorClient = cluster.controlPlane().adminClient();
    operator = new BatonOperator(operatorClient, Set.of(NS), null).start();
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
  }

  private static DriverPool await(String name, Predicate<DriverPool> condition, int seconds) {
    return cluster.client().resources(DriverPool.class).inNamespace(NS).withName(name)
        .waitUntilCondition(p -> p != null && p.getStatus() != null && condition.test(p), seconds, TimeUnit.SECONDS);
  }

  private static boolean available(DriverPool p) {
    return p.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Available") && c.getStatus().equals("True"));
  }

  private static Set<String> sliceIps(String service) {
    EndpointSlice slice = cluster.client().discovery().v1().endpointSlices().inNamespace(NS).withName(service).get();
    return slice.getEndpoints() == null ? Set.of() : slice.getEndpoints().stream()
        .flatMap(e -> e.getAddresses().stream()).collect(Collectors.toSet());
  }

  private static List<Pod> drivers(String pool) {
    return cluster.client().pods().inNamespace(NS).withLabel(PoolLabels.POOL, pool).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** kubectl's table as header -> value for the row of {@code name}. */
  static java.util.Map<String, String> columns(String table, String name) {
    String[] lines = table.strip().split("\n");
    String[] header = lines[0].trim().split("\\s+");
    for (String line : lines) {
      String[] cells = line.trim().split("\\s+");
      if (cells[0].equals(name)) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < header.length && i < cells.length; i++) {
          out.put(header[i], cells[i]);
        }
        return out;
      }
    }
    throw new AssertionError("no row " + name + " in\n" + table);
  }

  @Test
  void aPoolOfThreeBecomesAvailableWithItsEndpointsAndColumns() throws Exception {
    Path manifest = Files.createTempFile("pool", ".yaml");
    Files.writeString(manifest, """
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: trio, namespace: pools}
        spec:
          replicas: 3
          driver:
            image: registry.example/baton-driver:1.0.0
            engine: {memoryLimit: 256Mi, threads: 1}
          upgrade: {drainTimeout: 10s}
        """);
    assertThat(cluster.controlPlane().kubectl("apply", "-f", manifest.toString()).exitCode()).isZero();

    DriverPool pool = await("trio", p -> available(p) && Integer.valueOf(3).equals(p.getStatus().getReadyReplicas()), 180);
    assertThat(pool.getStatus().getObservedGeneration()).isEqualTo(pool.getMetadata().getGeneration());
    assertThat(pool.getStatus().getCurrentRevision()).isEqualTo(pool.getStatus().getUpdateRevision()).hasSize(10);
    assertThat(pool.getStatus().getEndpoint()).isEqualTo("trio.pools.svc:15002");

    List<Pod> pods = drivers("trio");
    assertThat(pods).hasSize(3);
    Set<String> podIps = pods.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
    assertThat(sliceIps("trio-drivers")).isEqualTo(podIps);
    assertThat(pods.get(0).getMetadata().getOwnerReferences().get(0).getKind()).isEqualTo("DriverPool");
    assertThat(pods.get(0).getMetadata().getLabels()).containsEntry(PoolLabels.REVISION, pool.getStatus().getCurrentRevision());

    var get = cluster.controlPlane().kubectl("get", "driverpools", "-n", NS);
    java.util.Map<String, String> columns = columns(get.output(), "trio");
    assertThat(columns).as(get.output()).containsEntry("READY", "3").containsEntry("UPDATED", "3")
        .containsEntry("SESSIONS", "0").containsEntry("REVISION", pool.getStatus().getCurrentRevision())
        .containsEntry("AVAILABLE", "True").containsKey("AGE");

    // A session works at a driver the slice lists.
    String ip = sliceIps("trio-drivers").iterator().next();
    try (Session s = Baton.builder().target(ip + ":15002").principal("alice").connect()) {
      assertThat(s.range(0, 100).count()).isEqualTo(100);
      assertThat(s.openConfig()).containsEntry("memory_limit", "256MiB").containsEntry("threads", "1");
    }
  }
}

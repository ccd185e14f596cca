package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import dev.baton.api.model.DriverPool;
import dev.baton.demo.DemoScenario;
import dev.baton.demo.GatewayAccess;
import dev.baton.e2e.junit.KubeTestCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart on the real kube-apiserver: {@code ./demo}'s own scenario (helm install, the
 * examples, clients through the gateway, a driver image change under load), run by the operator
 * the chart deploys as a pod with nothing but the chart's RBAC; then {@code helm upgrade} of the
 * operator, and the CRD upgrade path. The tests share one cluster and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartOnLocalClusterIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().withLocalNode().build();
  private static final String OPERATOR_ACCOUNT = "system:serviceaccount:baton-system:baton-operator";

  private static List<Pod> operatorPods() {
    return cluster.client().pods().inNamespace("baton-system").withLabel("app.kubernetes.io/name", "baton-operator")
        .list().getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  private static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static Map<String, String> driverUids() {
    return cluster.client().pods().inNamespace(DemoScenario.NAMESPACE).withLabel("baton.dev/pool", DemoScenario.POOL)
        .withLabel("app.kubernetes.io/component", "driver").list().getItems().stream()
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
  }

  private static DriverPool pool() {
    return cluster.client().resources(DriverPool.class).inNamespace(DemoScenario.NAMESPACE).withName(DemoScenario.POOL)
        .get();
  }

  private static void awaitObserved(long generation) {
    cluster.client().resources(DriverPool.class).inNamespace(DemoScenario.NAMESPACE).withName(DemoScenario.POOL)
        .waitUntilCondition(p -> p.getStatus() != null && Objects.equals(p.getStatus().getObservedGeneration(),
            generation), 120, TimeUnit.SECONDS);
  }

  @Test
  @Order(1)
  void theDemoInstallsTheChartAndItsOperatorPodUpgradesThePoolUnderLoadWithNoFailedCall() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    DemoScenario.Options options = new DemoScenario.Options(Path.of("..").toAbsolutePath().normalize(),
        "ghcr.io/baton-dev", "0.1.0", "0.2.0", 3, Duration.ofSeconds(3), Duration.ofSeconds(3));

    DemoScenario.Report report = new DemoScenario(cluster.client(), cluster.controlPlane().kubeconfig(),
        cluster.controlPlane().binaries().path("kubectl").toString(), GatewayAccess.podAddresses(2), out)
        .run(options);
    System.out.println(printed.toString(StandardCharsets.UTF_8));

    assertThat(report.callsFailed()).as("failed calls; first errors: %s", report.errors()).isZero();
    assertThat(report.callsOk()).isPositive();
    // Three clients' sessions and the declared one, each moved to a driver of the new image.
    assertThat(report.sessions()).isEqualTo(4);
    assertThat(report.sessionsMoved()).isEqualTo(4);
    assertThat(report.driverImagesAfter().values()).hasSize(3).containsOnly("ghcr.io/baton-dev/baton-driver:0.2.0");
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("---- Before the upgrade ----",
        "---- After the upgrade ----", "Client calls: " + report.callsOk() + " ok, 0 failed.");
    // The operator that did it is the chart's Deployment, as a pod on the local node.
    assertThat(operatorPods()).singleElement().satisfies(p -> {
      assertThat(ready(p)).isTrue();
      assertThat(p.getSpec().getServiceAccountName()).isEqualTo("baton-operator");
    });
  }

  @Test
  @Order(2)
  void theOperatorsOnlyRightsAreTheChartsBindings() {
    Set<String> clusterBindings = cluster.client().rbac().clusterRoleBindings().list().getItems().stream()
        .filter(b -> b.getSubjects() != null && b.getSubjects().stream().anyMatch(s -> "baton-operator".equals(s.getName())
            && "baton-system".equals(s.getNamespace())))
        .map(ClusterRoleBinding::getMetadata).map(m -> m.getName() + " (" + m.getLabels().get("app.kubernetes.io/managed-by")
            + ")").collect(Collectors.toSet());
    Set<String> bindings = cluster.client().rbac().roleBindings().inAnyNamespace().list().getItems().stream()
        .filter(b -> b.getSubjects() != null && b.getSubjects().stream().anyMatch(s -> "baton-operator".equals(s.getName())))
        .map(RoleBinding::getMetadata).map(m -> m.getNamespace() + "/" + m.getName()).collect(Collectors.toSet());

    assertThat(clusterBindings).containsExactlyInAnyOrder("baton-operator (Helm)", "baton-operator-cluster (Helm)");
    assertThat(bindings).containsExactly("baton-system/baton-operator-leader-election");
    assertThat(OPERATOR_ACCOUNT).isEqualTo("system:serviceaccount:" + operatorPods().get(0).getMetadata().getNamespace()
        + ":" + operatorPods().get(0).getSpec().getServiceAccountName());
  }

  @Test
  @Order(3)
  void helmUpgradeOfTheOperatorLeavesARunningPoolsDriversAlone() throws Exception {
    Map<String, String> before = driverUids();
    String oldOperator = operatorPods().get(0).getMetadata().getName();
    String revision = pool().getStatus().getCurrentRevision();

    new Helm(Path.of("baton")).upgrade().withName("baton").withNamespace("baton-system")
        .withKubeConfig(cluster.controlPlane().kubeconfig()).reuseValues().set("operator.logLevel", "DEBUG").call();
    // A new operator pod (its template changed) takes over, and the old one is gone, so only
    // the new one can observe what follows...
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!(operatorPods().size() == 1 && !operatorPods().get(0).getMetadata().getName().equals(oldOperator)
        && ready(operatorPods().get(0))
        && cluster.client().pods().inNamespace("baton-system").withName(oldOperator).get() == null)) {
      assertThat(System.nanoTime()).as("a new operator pod Ready within 3 minutes").isLessThan(deadline);
      Thread.sleep(500);
    }
    // ...and has reconciled the pool: a spec change only it can observe.
    long generation = cluster.client().resources(DriverPool.class).inNamespace(DemoScenario.NAMESPACE)
        .withName(DemoScenario.POOL).edit(p -> {
          p.getSpec().getSessions().setIdleTimeout("45m");
          return p;
        }).getMetadata().getGeneration();
    awaitObserved(generation);

    assertThat(driverUids()).isEqualTo(before);
    assertThat(pool().getStatus().getCurrentRevision()).isEqualTo(revision);
  }

  @Test
  @Order(4)
  void anOperatorRefusesCrdsOlderThanItSayingWhatToApplyAndStartsOnceTheyAreApplied() throws Exception {
    // The cluster keeps a DriverPool CRD from before status.rollout existed (helm upgrade never
    // touches crds/).
    CustomResourceDefinition crd = cluster.client().apiextensions().v1().customResourceDefinitions()
        .withName("driverpools.baton.dev").get();
    crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("status").getProperties()
        .remove("rollout");
    crd.getMetadata().setManagedFields(null);
    cluster.client().apiextensions().v1().customResourceDefinitions().resource(crd).update();
    Pod old = operatorPods().get(0);
    cluster.client().pods().inNamespace("baton-system").withName(old.getMetadata().getName()).delete();

    Path logs = cluster.node().logDir();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    String refusal = "";
    while (!refusal.contains("kubectl apply --server-side --force-conflicts -f helm/baton/crds/")) {
      assertThat(System.nanoTime()).as("the operator's refusal in its log within 2 minutes").isLessThan(deadline);
      Thread.sleep(500);
      List<Pod> pods = operatorPods();
      if (pods.size() == 1 && !pods.get(0).getMetadata().getName().equals(old.getMetadata().getName())) {
        Path log = logs.resolve("baton-system_" + pods.get(0).getMetadata().getName() + "_operator.log");
        refusal = Files.exists(log) ? Files.readString(log) : "";
      }
    }
    assertThat(refusal).contains("older than this operator", "driverpools.baton.dev", "status.rollout");
    assertThat(ready(operatorPods().get(0))).isFalse();

    // The documented upgrade step.
    var applied = cluster.controlPlane().kubectl("apply", "--server-side", "--force-conflicts", "-f",
        Path.of("baton", "crds").toString());
    assertThat(applied.exitCode()).as(applied.output()).isZero();

    deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!(operatorPods().size() == 1 && ready(operatorPods().get(0)))) {
      assertThat(System.nanoTime()).as("the operator Ready within 2 minutes of the CRDs").isLessThan(deadline);
      Thread.sleep(500);
    }
  }
}

package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.baton.e2e.chart.RenderedChart;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The chart rendered by the real Helm library ({@code helm lint}, {@code helm template}) with default and varied values. */
class ChartTemplateTest {
  static final Path CHART = Path.of("baton");

  static RenderedChart render(String valuesFile) {
    return RenderedChart.render(CHART, Path.of("src", "test", "resources", "values", valuesFile));
  }

  static Container operatorContainer(RenderedChart chart) {
    return chart.get(Deployment.class, "baton-operator").getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  static Map<String, String> env(Container c) {
    return c.getEnv().stream().filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @Test
  void helmLintStrictPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsInstallTheOperatorClusterWideWithImagesTaggedByAppVersion() {
    RenderedChart chart = RenderedChart.render(CHART, Map.of());
    Deployment deployment = chart.get(Deployment.class, "baton-operator");
    Container operator = operatorContainer(chart);

    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("baton-system");
    assertThat(operator.getImage()).isEqualTo("ghcr.io/baton-dev/baton-operator:0.1.0");
    assertThat(env(operator)).containsEntry("BATON_GATEWAY_IMAGE", "ghcr.io/baton-dev/baton-gateway:0.1.0")
        .containsEntry("BATON_SPARK_PLUGIN_IMAGE", "ghcr.io/baton-dev/baton-spark-plugin:0.1.0")
        .containsEntry("WATCH_NAMESPACES", "").containsEntry("LEADER_ELECTION_NAMESPACE", "baton-system")
        .containsEntry("HEALTH_PORT", "8080");
    assertThat(operator.getEnv()).anyMatch(e -> e.getName().equals("POD_NAMESPACE")
        && e.getValueFrom().getFieldRef().getFieldPath().equals("metadata.namespace"));
    // The drivers' NetworkPolicy admits exactly this label.
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/name", "baton-operator");
    ClusterRoleBinding binding = chart.get(ClusterRoleBinding.class, "baton-operator");
    assertThat(binding.getRoleRef().getName()).isEqualTo("baton-operator");
    assertThat(binding.getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName() + "@" + s.getNamespace()).isEqualTo("baton-operator@baton-system"));
    assertThat(chart.all(RoleBinding.class)).extracting(b -> b.getMetadata().getName())
        .containsExactly("baton-operator-leader-election");
    assertThat(chart.get(ServiceAccount.class, "baton-operator")).isNotNull();
    assertThat(chart.objects()).noneMatch(o -> o.getKind().equals("ServiceMonitor") || o.getKind().equals("PrometheusRule"));
  }

  @Test
  void theOperatorPodIsRestrictedWithProbesAndResources() {
    Deployment deployment = RenderedChart.render(CHART, Map.of()).get(Deployment.class, "baton-operator");
    var pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().get(0);

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getLimits()).containsKey("memory");
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
  }

  @Test
  void namespacedModeBindsTheOperatorsRightsInEachWatchedNamespaceOnly() {
    RenderedChart chart = render("namespaced.yaml");

    assertThat(chart.all(ClusterRoleBinding.class)).extracting(b -> b.getMetadata().getName())
        .containsExactly("baton-operator-cluster");
    assertThat(chart.all(RoleBinding.class)).extracting(b -> b.getMetadata().getNamespace() + "/" + b.getMetadata().getName())
        .containsExactlyInAnyOrder("team-a/baton-operator", "team-b/baton-operator",
            "baton-system/baton-operator-leader-election");
    assertThat(chart.all(RoleBinding.class)).allSatisfy(b -> assertThat(b.getSubjects()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("baton-controller")));
    assertThat(env(operatorContainer(chart))).containsEntry("WATCH_NAMESPACES", "team-a,team-b");
  }

  @Test
  void clusterScopedRightsAreOnlyTheListedFew() {
    ClusterRole cluster = render("namespaced.yaml").get(ClusterRole.class, "baton-operator-cluster");

    assertThat(cluster.getRules()).extracting(r -> String.join(",", r.getResources()) + ":" + String.join(",", r.getVerbs())
        + (r.getResourceNames() == null || r.getResourceNames().isEmpty() ? "" : ":" + String.join(",", r.getResourceNames())))
        .containsExactly("customresourcedefinitions:get:driverpools.baton.dev,clientsessions.baton.dev",
            "nodes:get,list,watch", "clusterrolebindings:get,create,update,patch,delete",
            "clusterroles:bind:system:auth-delegator");
  }

  @Test
  void theNamespacedRulesGrantNoClusterScopedResource() {
    List<PolicyRule> rules = RenderedChart.render(CHART, Map.of()).get(ClusterRole.class, "baton-operator").getRules();
    assertThat(rules).flatExtracting(PolicyRule::getResources)
        .doesNotContain("nodes", "clusterrolebindings", "customresourcedefinitions", "namespaces", "*");
    assertThat(rules).flatExtracting(PolicyRule::getVerbs).doesNotContain("*", "escalate", "impersonate");
  }

  @Test
  void imagesReplicasAndPlacementComeFromValues() {
    RenderedChart chart = render("namespaced.yaml");
    Deployment deployment = chart.get(Deployment.class, "baton-operator");
    Container operator = operatorContainer(chart);

    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(operator.getImage()).isEqualTo("registry.example.com/platform/baton-operator:0.1.0-rc1");
    assertThat(operator.getImagePullPolicy()).isEqualTo("Always");
    assertThat(env(operator)).containsEntry("BATON_GATEWAY_IMAGE", "registry.example.com/platform/baton-gateway:0.1.0-rc1")
        .containsEntry("BATON_LOG_LEVEL", "DEBUG");
    assertThat(deployment.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("node-role.example.com/infra", "true");
    assertThat(deployment.getSpec().getTemplate().getSpec().getImagePullSecrets()).singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("registry-credentials"));
    assertThat(chart.get(PodDisruptionBudget.class, "baton-operator").getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
  }

  @Test
  void withoutLeaderElectionTheOldReplicaStopsBeforeTheNewStarts() {
    RenderedChart chart = render("minimal.yaml");
    Deployment deployment = chart.get(Deployment.class, "baton-operator");

    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(env(operatorContainer(chart))).doesNotContainKey("LEADER_ELECTION_NAMESPACE");
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("platform-operators");
    assertThat(chart.all(ServiceAccount.class)).isEmpty();
    assertThat(chart.all(PodDisruptionBudget.class)).isEmpty();
    assertThat(chart.objects()).noneMatch(o -> o.getKind().equals("Service"));
  }

  @Test
  void monitoringRendersAServiceMonitorAndAlertsForStuckRolloutsFailedSessionsAndLostDrivers() {
    RenderedChart chart = render("monitoring.yaml");

    GenericKubernetesResource monitor = chart.get(GenericKubernetesResource.class, "baton-operator");
    assertThat(chart.all(GenericKubernetesResource.class)).extracting(GenericKubernetesResource::getKind)
        .containsExactlyInAnyOrder("ServiceMonitor", "PrometheusRule");
    assertThat(chart.yaml()).contains("interval: 15s", "release: kube-prometheus");
    assertThat(monitor).isNotNull();
    GenericKubernetesResource rule = chart.all(GenericKubernetesResource.class).stream()
        .filter(r -> r.getKind().equals("PrometheusRule")).findFirst().orElseThrow();
    List<Map<String, Object>> rules = rule.get("spec", "groups", 0, "rules");
    assertThat(rules).extracting(r -> r.get("alert")).containsExactly("BatonRolloutStuck", "BatonSessionsFailed",
        "BatonDriversLost");
    assertThat(rules.get(0)).containsEntry("for", "2m");
    assertThat((String) rules.get(0).get("expr")).contains("baton_rollout_phase{phase=\"Failed\"}");
    // Prometheus's own template braces survive Helm's.
    assertThat(rules.get(0).get("annotations").toString()).contains("{{ $labels.namespace }}/{{ $labels.pool }}");
  }

  @Test
  void severalReplicasWithoutLeaderElectionAreRefused() {
    assertThatThrownBy(() -> RenderedChart.render(CHART, Map.of("operator.replicas", 3,
        "operator.leaderElection.enabled", false)))
        .hasMessageContaining("operator.replicas: more than one replica needs operator.leaderElection.enabled=true");
  }

  @Test
  void anExistingServiceAccountMustBeNamed() {
    assertThatThrownBy(() -> RenderedChart.render(CHART, Map.of("serviceAccount.create", false)))
        .hasMessageContaining("serviceAccount.name: name the existing ServiceAccount");
  }
}

package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.DriverPool;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the operator renders to keep drivers apart: who may reach them, and what they are given. */
class DriverIsolationObjectsTest {
  private static DriverPool pool() {
    return TestPools.sales();
  }

  @Test
  void sparkExecutorsReachOnlyTheirDriversSparkPortsAndOnlyWhileDriversStartExecutorPods() {
    assertThat(PoolObjects.networkPolicy(pool(), "baton-system").getSpec().getIngress()).hasSize(2);
    var withExecutors = PoolObjects.networkPolicy(pool(), "baton-system", true).getSpec().getIngress();
    assertThat(withExecutors).hasSize(3);
    assertThat(withExecutors.get(2).getFrom()).singleElement().satisfies(f -> {
      assertThat(f.getPodSelector().getMatchLabels()).isEqualTo(PoolLabels.executorSelector("sales"));
      assertThat(f.getNamespaceSelector()).as("the pool's own namespace").isNull();
    });
    assertThat(withExecutors.get(2).getPorts()).extracting(p -> p.getPort().getIntVal())
        .containsExactly(PoolLabels.SPARK_DRIVER_PORT, PoolLabels.SPARK_BLOCK_MANAGER_PORT);
    assertThat(PoolObjects.sparkExecutorServiceAccount(pool()).getAutomountServiceAccountToken())
        .as("executors run client code: no token").isFalse();
  }

  @Test
  void theNetworkPolicyAdmitsTheOperatorOnlyFromItsOwnNamespaceAndAloneToTheControlPort() {
    var policy = PoolObjects.networkPolicy(pool(), "baton-system");
    var from = policy.getSpec().getIngress().get(0).getFrom();
    assertThat(from).hasSize(2);
    assertThat(from.get(0).getPodSelector().getMatchLabels()).containsEntry(PoolLabels.POOL, "sales")
        .containsEntry(PoolLabels.COMPONENT, "gateway");
    assertThat(from.get(0).getNamespaceSelector()).as("the pool's own namespace").isNull();
    assertThat(from.get(1).getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "baton-operator");
    assertThat(from.get(1).getNamespaceSelector().getMatchLabels())
        .as("an operator-labelled pod elsewhere is not admitted")
        .isEqualTo(Map.of("kubernetes.io/metadata.name", "baton-system"));
    assertThat(policy.getSpec().getIngress().get(0).getPorts()).extracting(p -> p.getPort().getIntVal())
        .containsExactly(PoolLabels.DRIVER_PORT);
    var control = policy.getSpec().getIngress().get(1);
    assertThat(control.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(PoolLabels.CONTROL_PORT);
    assertThat(control.getFrom()).as("the control port: the operator alone").singleElement().satisfies(f -> {
      assertThat(f.getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/name", "baton-operator");
      assertThat(f.getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("kubernetes.io/metadata.name", "baton-system"));
    });
    var pod = DriverPodFactory.build(pool(), "abc123").getSpec().getContainers().get(0);
    assertThat(pod.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo(PoolLabels.CONTROL_PORT_NAME);
      assertThat(p.getContainerPort()).isEqualTo(PoolLabels.CONTROL_PORT);
    });
    assertThat(pod.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("BATON_CONTROL_PORT");
      assertThat(e.getValue()).isEqualTo(String.valueOf(PoolLabels.CONTROL_PORT));
    });
  }

  @Test
  void reservedVariablesCannotBeReplacedThroughTheDriversEnv() {
    DriverPool p = pool();
    p.getSpec().getDriver().setEnv(List.of(
        new EnvVarBuilder().withName("BATON_CONTROL_TOKEN").withValue("chosen-by-the-user").build(),
        new EnvVarBuilder().withName("BATON_DATA_DIRS").withValue("/data").build()));
    List<EnvVar> env = DriverPodFactory.build(p, "abc123").getSpec().getContainers().get(0).getEnv();
    // Of two variables with one name the last wins: the operator's come after the user's.
    Map<String, EnvVar> effective = new LinkedHashMap<>();
    env.forEach(e -> effective.put(e.getName(), e));
    assertThat(effective.get("BATON_CONTROL_TOKEN").getValue()).isNull();
    assertThat(effective.get("BATON_CONTROL_TOKEN").getValueFrom().getSecretKeyRef().getName()).isEqualTo("sales-control");
    assertThat(effective.get("BATON_SESSION_TOKEN").getValueFrom().getSecretKeyRef().getName()).isEqualTo("sales-session");
    assertThat(effective.get("BATON_DATA_DIRS").getValue()).as("other settings stay the user's").isEqualTo("/data");
  }

  @Test
  void theSessionTokenIsDerivedFromTheControlTokenAndRevealsNothingOfIt() {
    String control = "c0ntrol";
    assertThat(ControlTokens.sessionToken(control)).isEqualTo(ControlTokens.sessionToken(control))
        .isNotEqualTo(control).doesNotContain(control)
        .isNotEqualTo(ControlTokens.sessionToken("c0ntrol2"));
  }
}

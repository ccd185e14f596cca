package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.DriverPool;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GatewayObjectsTest {
  private static DriverPool pool() {
    return TestPools.sales();
  }

  private static Map<String, EnvVar> env(DriverPool p) {
    return GatewayObjects.deployment(p, "reg/baton-gateway:2").getSpec().getTemplate().getSpec().getContainers().get(0)
        .getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void theDeploymentRunsAsTheGatewayAccountWithThePoolsSettings() {
    DriverPool p = pool();
    p.getSpec().getGateway().setMaxConnectionAge("5m");
    var d = GatewayObjects.deployment(p, "reg/baton-gateway:2");
    assertThat(d.getMetadata().getName()).isEqualTo("sales-gateway");
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getSelector().getMatchLabels()).isEqualTo(GatewayObjects.selector("sales"));
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(GatewayObjects.selector("sales"));
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("sales-gateway");
    assertThat(pod.getContainers().get(0).getImage()).as("operator default").isEqualTo("reg/baton-gateway:2");
    assertThat(pod.getTerminationGracePeriodSeconds()).as("grace 1m + 10s").isEqualTo(70L);
    Map<String, EnvVar> env = env(p);
    assertThat(env.get("BATON_POOL").getValue()).isEqualTo("sales");
    assertThat(env.get("BATON_MAX_CONNECTION_AGE").getValue()).isEqualTo("5m");
    assertThat(env.get("BATON_SESSION_TOKEN").getValueFrom().getSecretKeyRef().getName()).isEqualTo("sales-session");
    assertThat(env).as("the gateway never holds the control token").doesNotContainKey("BATON_CONTROL_TOKEN");
    assertThat(env.get("BATON_MAX_REQUEST_BYTES").getValue()).isEqualTo(String.valueOf(16 << 20));
    assertThat(env).as("default services").doesNotContainKey("BATON_SERVICES");
    assertThat(env).doesNotContainKey("BATON_TOKEN_SECRET");
    assertThat(env.get("BATON_SESSION_TOKEN_SECRET").getValue()).as("read again for rotations").isEqualTo("sales-session");
    assertThat(GatewayObjects.tokenSecretRole(p).getRules()).as("the session token Secret, nothing else").singleElement()
        .satisfies(r -> {
          assertThat(r.getResourceNames()).containsExactly("sales-session");
          assertThat(r.getVerbs()).containsExactly("get");
        });

    p.getSpec().getGateway().setImage("own/gw:3");
    p.getSpec().getGateway().setTokenSecret("sales-tokens");
    assertThat(GatewayObjects.deployment(p, "reg/baton-gateway:2").getSpec().getTemplate().getSpec().getContainers()
        .get(0).getImage()).isEqualTo("own/gw:3");
    assertThat(env(p).get("BATON_TOKEN_SECRET").getValue()).isEqualTo("sales-tokens");
    var role = GatewayObjects.tokenSecretRole(p);
    assertThat(role.getRules()).allSatisfy(r -> {
      assertThat(r.getResources()).containsExactly("secrets");
      assertThat(r.getVerbs()).containsExactly("get");
    }).flatExtracting(r -> r.getResourceNames()).containsExactly("sales-session", "sales-tokens");
  }

  @Test
  void replicasSpreadOverNodesAndADrainEvictsOneAtATime() {
    DriverPool p = pool();
    var spread = GatewayObjects.deployment(p, "reg/baton-gateway:2").getSpec().getTemplate().getSpec()
        .getTopologySpreadConstraints();
    assertThat(spread).singleElement().satisfies(c -> {
      assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(c.getMaxSkew()).isEqualTo(1);
      assertThat(c.getWhenUnsatisfiable()).as("a one-node cluster still runs both").isEqualTo("ScheduleAnyway");
      assertThat(c.getLabelSelector().getMatchLabels()).isEqualTo(GatewayObjects.selector("sales"));
    });
    var budget = GatewayObjects.disruptionBudget(p);
    assertThat(budget.getMetadata().getName()).isEqualTo("sales-gateway");
    assertThat(budget.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("sales"));
    assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(budget.getSpec().getMinAvailable()).isNull();
    assertThat(budget.getSpec().getSelector().getMatchLabels()).isEqualTo(GatewayObjects.selector("sales"));
  }

  @Test
  void aTlsSecretIsNamedToTheGatewayWhichMayReadThatSecretOnly() {
    DriverPool p = pool();
    assertThat(env(p)).doesNotContainKey("BATON_TLS_SECRET");
    p.getSpec().getGateway().setTlsSecret("sales-tls");
    assertThat(env(p).get("BATON_TLS_SECRET").getValue()).isEqualTo("sales-tls");
    assertThat(GatewayObjects.tokenSecretRole(p).getRules()).flatExtracting(r -> r.getResourceNames())
        .containsExactly("sales-session", "sales-tls");
    p.getSpec().getGateway().setTokenSecret("sales-tokens");
    assertThat(GatewayObjects.tokenSecretRole(p).getRules()).flatExtracting(r -> r.getResourceNames())
        .containsExactly("sales-session", "sales-tokens", "sales-tls");
  }

  @Test
  void theServiceSelectsTheGatewayAndBindingsNameItsAccount() {
    DriverPool p = pool();
    assertThat(PoolObjects.clientService(p).getSpec().getSelector()).isEqualTo(GatewayObjects.selector("sales"));
    var crb = GatewayObjects.tokenReviewBinding(p);
    assertThat(crb.getMetadata().getName()).isEqualTo("baton-gateway:team:sales");
    assertThat(crb.getMetadata().getOwnerReferences()).as("cluster-scoped: no namespaced owner").isNullOrEmpty();
    assertThat(crb.getRoleRef().getName()).isEqualTo("system:auth-delegator");
    assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo("sales-gateway");
      assertThat(s.getNamespace()).isEqualTo("team");
    });
    assertThat(GatewayObjects.sessionsBinding(p).getRoleRef().getName()).isEqualTo("baton-gateway");
    assertThat(DriverPodFactory.build(p, "abc123").getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getName()).isEqualTo("BATON_CONTROL_TOKEN"))
        .anySatisfy(e -> assertThat(e.getName()).isEqualTo("BATON_SESSION_TOKEN"));
  }
}

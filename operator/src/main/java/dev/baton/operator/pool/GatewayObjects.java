package dev.baton.operator.pool;

import dev.baton.api.Durations;

import dev.baton.api.PoolLabels;

import dev.baton.api.model.DriverPool;
import dev.baton.api.model.GatewaySpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's gateway as the operator wants it: a Deployment behind Service {@code <pool>}, its
 * ServiceAccount and what that account may do. Pure builders, like {@link PoolObjects}.
 *
 * <p>Permissions: ClusterRole {@code baton-gateway} (installed with the operator) lets it read
 * and create ClientSessions, bound per namespace; ClusterRole {@code system:auth-delegator} (built
 * into Kubernetes) lets it create TokenReviews, which are cluster-scoped and so need a
 * ClusterRoleBinding per pool; a Role lets it read the pool's static token Secret and nothing else.
 */
public final class GatewayObjects {
  public static final int GATEWAY_PORT = 15002;
  public static final int HEALTH_PORT = 8080;
  public static final String GATEWAY_CLUSTER_ROLE = "baton-gateway";
  public static final String TOKEN_REVIEW_CLUSTER_ROLE = "system:auth-delegator";
  /** The gateway image when neither the pool nor the operator's environment names one. */
  public static final String DEFAULT_IMAGE = "ghcr.io/baton-dev/baton-gateway:0.1.0";

  private GatewayObjects() {}

  public static String name(String pool) {
    return pool + "-gateway";
  }

  public static Map<String, String> selector(String pool) {
    return PoolLabels.gatewaySelector(pool);
  }

  /** Cluster-scoped, so named after namespace and pool. */
  public static String clusterBindingName(String namespace, String pool) {
    return "baton-gateway:" + namespace + ":" + pool;
  }

  private static Map<String, String> labels(String pool) {
    Map<String, String> l = new LinkedHashMap<>(selector(pool));
    l.put(PoolLabels.MANAGED_BY, PoolLabels.OPERATOR);
    l.put("app.kubernetes.io/name", "baton-gateway");
    l.put("app.kubernetes.io/instance", pool);
    return l;
  }

  public static ServiceAccount serviceAccount(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new ServiceAccountBuilder().withNewMetadata().withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata().build();
  }

  public static RoleBinding sessionsBinding(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new RoleBindingBuilder().withNewMetadata().withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(GATEWAY_CLUSTER_ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).endSubject().build();
  }

  /**
   * Read access to the pool's own Secrets only: its session token (get, read again every few
   * seconds so a rotation reaches the gateway without a restart), the static tokens (get) and the
   * TLS certificate (get, read again every half minute to serve a renewed one).
   */
  public static Role tokenSecretRole(DriverPool pool) {
    GatewaySpec g = pool.getSpec().getGateway();
    String name = pool.getMetadata().getName();
    RoleBuilder role = new RoleBuilder();
    role.withNewMetadata().withName(name(name) + "-tokens")
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata();
    role.addNewRule().withApiGroups("").withResources("secrets").withResourceNames(ControlTokens.sessionSecretName(name))
        .withVerbs("get").endRule();
    if (g.getTokenSecret() != null) {
      role.addNewRule().withApiGroups("").withResources("secrets").withResourceNames(g.getTokenSecret())
          .withVerbs("get").endRule();
    }
    if (g.getTlsSecret() != null) {
      role.addNewRule().withApiGroups("").withResources("secrets").withResourceNames(g.getTlsSecret())
          .withVerbs("get").endRule();
    }
    return role.build();
  }

  public static RoleBinding tokenSecretBinding(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new RoleBindingBuilder().withNewMetadata().withName(name(name) + "-tokens")
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
        .withName(name(name) + "-tokens").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).endSubject().build();
  }

  /** TokenReview rights. Cluster-scoped: no owner reference; the operator deletes it with the pool. */
  public static ClusterRoleBinding tokenReviewBinding(DriverPool pool) {
    String name = pool.getMetadata().getName();
    String ns = pool.getMetadata().getNamespace();
    Map<String, String> l = labels(name);
    l.put("baton.dev/namespace", ns);
    return new ClusterRoleBindingBuilder().withNewMetadata().withName(clusterBindingName(ns, name))
        .withLabels(l).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(TOKEN_REVIEW_CLUSTER_ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name(name)).withNamespace(ns).endSubject().build();
  }

  /**
   * Lets a drain evict one gateway replica at a time: the next waits until the replacement of the
   * first is Ready elsewhere, so the pool's address keeps a replica that answers. With one replica
   * it does not block the drain (there is no second one to keep).
   */
  public static PodDisruptionBudget disruptionBudget(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new PodDisruptionBudgetBuilder().withNewMetadata().withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
        .withNewSpec().withMaxUnavailable(new IntOrString(1))
        .withNewSelector().withMatchLabels(selector(name)).endSelector()
        .endSpec().build();
  }

  /** The gateway Deployment; {@code defaultImage} is used when the pool names no image. */
  public static Deployment deployment(DriverPool pool, String defaultImage) {
    String name = pool.getMetadata().getName();
    GatewaySpec g = pool.getSpec().getGateway();
    long grace = Durations.parse(g.getMaxConnectionAgeGrace()).toSeconds() + 10;
    List<EnvVar> env = new ArrayList<>(List.of(
        value("BATON_POOL", name),
        DriverPodFactory.fieldRef("POD_NAMESPACE", "metadata.namespace"),
        value("BATON_GATEWAY_PORT", String.valueOf(GATEWAY_PORT)),
        value("HEALTH_PORT", String.valueOf(HEALTH_PORT)),
        value("BATON_HOLD", g.getHoldTimeout()),
        value("BATON_MAX_CONNECTION_AGE", g.getMaxConnectionAge()),
        value("BATON_MAX_CONNECTION_AGE_GRACE", g.getMaxConnectionAgeGrace()),
        value("BATON_MAX_REQUEST_BYTES", String.valueOf(Quantity.getAmountInBytes(
            new Quantity(g.getMaxRequestSize() == null ? "16Mi" : g.getMaxRequestSize())).longValueExact())),
        // The gateway opens the session API only: it never holds the control token. It reads the
        // Secret again every few seconds, so a rotation reaches it without a restart.
        DriverPodFactory.sessionToken(name),
        value("BATON_SESSION_TOKEN_SECRET", ControlTokens.sessionSecretName(name))));
    if (g.getTokenSecret() != null) {
      env.add(value("BATON_TOKEN_SECRET", g.getTokenSecret()));
    }
    if (g.getTlsSecret() != null) {
      env.add(value("BATON_TLS_SECRET", g.getTlsSecret()));
    }
    var sessions = pool.getSpec().getSessions();
    env.add(value("BATON_MAX_SESSIONS_PER_PRINCIPAL", String.valueOf(
        sessions.getMaxPerPrincipal() == null ? 20 : sessions.getMaxPerPrincipal())));
    if (sessions.getMaxTotal() != null) {
      env.add(value("BATON_MAX_SESSIONS", String.valueOf(sessions.getMaxTotal())));
    }
    if (g.getServices() != null && !g.getServices().isEmpty()) {
      env.add(value("BATON_SERVICES", String.join(",", g.getServices())));
    }
    if (g.getTokenAudiences() != null && !g.getTokenAudiences().isEmpty()) {
      env.add(value("BATON_TOKEN_AUDIENCES", String.join(",", g.getTokenAudiences())));
    }
    return new DeploymentBuilder().withNewMetadata().withName(name(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(name))
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
        .withNewSpec()
        .withReplicas(g.getReplicas())
        .withNewSelector().withMatchLabels(selector(name)).endSelector()
        // A new replica is ready before an old one goes: the pool's address never has none.
        .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
        .withNewTemplate()
        .withNewMetadata().withLabels(labels(name)).endMetadata()
        .withNewSpec()
        .withServiceAccountName(name(name))
        .withEnableServiceLinks(false)
        // Replicas on different nodes where there is room: losing or draining one node leaves one.
        .addNewTopologySpreadConstraint().withMaxSkew(1).withTopologyKey("kubernetes.io/hostname")
        .withWhenUnsatisfiable("ScheduleAnyway").withNewLabelSelector().withMatchLabels(selector(name))
        .endLabelSelector().endTopologySpreadConstraint()
        .withTerminationGracePeriodSeconds(grace)
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer()
        .withName("gateway")
        .withImage(g.getImage() != null ? g.getImage() : defaultImage)
        .addNewPort().withName("grpc").withContainerPort(GATEWAY_PORT).endPort()
        .addNewPort().withName("http").withContainerPort(HEALTH_PORT).endPort()
        .withEnv(env)
        .withResources(g.getResources())
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .withNewReadinessProbe().withNewHttpGet().withPath("/readyz").withPort(new IntOrString(HEALTH_PORT))
        .endHttpGet().withPeriodSeconds(5).withFailureThreshold(2).endReadinessProbe()
        .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString(HEALTH_PORT))
        .endHttpGet().withInitialDelaySeconds(20).withPeriodSeconds(10).withFailureThreshold(6).endLivenessProbe()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec().build();
  }

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}

package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;

import dev.baton.api.model.DriverPool;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.util.List;
import java.util.Map;

/**
 * The objects a pool owns besides its driver pods, as the operator wants them. Pure builders:
 * the reconciler compares them with what exists and writes only the difference.
 */
public final class PoolObjects {
  public static final String SLICE_MANAGER = "baton-operator";
  /** The ClusterRole a Spark pool's account is bound to when its executors run as pods. */
  public static final String SPARK_DRIVER_ROLE = "baton-spark-driver";

  private PoolObjects() {}

  static OwnerReference owner(DriverPool pool) {
    return new OwnerReferenceBuilder().withApiVersion(pool.getApiVersion()).withKind(pool.getKind())
        .withName(pool.getMetadata().getName()).withUid(pool.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }

  private static Map<String, String> labels(DriverPool pool, String component) {
    return Map.of(PoolLabels.POOL, pool.getMetadata().getName(), PoolLabels.COMPONENT, component,
        PoolLabels.MANAGED_BY, PoolLabels.OPERATOR);
  }

  /** {@code <pool>}: the address clients use; it selects the pool's gateway pods. */
  public static Service clientService(DriverPool pool) {
    return new ServiceBuilder().withNewMetadata().withName(pool.getMetadata().getName())
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "endpoint"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewSpec().withType(pool.getSpec().getGateway().getServiceType().name())
        .withSelector(GatewayObjects.selector(pool.getMetadata().getName()))
        .addNewPort().withName("grpc").withProtocol("TCP").withPort(pool.getSpec().getGateway().getPort())
        .withTargetPort(new IntOrString("grpc")).endPort()
        .endSpec().build();
  }

  /** {@code <pool>-drivers}: headless, its endpoints are exactly the drivers taking sessions. */
  public static Service driversService(DriverPool pool) {
    return new ServiceBuilder().withNewMetadata().withName(PoolLabels.driversService(pool.getMetadata().getName()))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "driver"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewSpec().withClusterIP("None")
        .addNewPort().withName("grpc").withProtocol("TCP").withPort(PoolLabels.DRIVER_PORT)
        .withTargetPort(new IntOrString(PoolLabels.DRIVER_PORT)).endPort()
        .endSpec().build();
  }

  public static EndpointSlice endpointSlice(DriverPool pool, String serviceName, List<DriverView> endpoints) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(serviceName)
        .withNamespace(pool.getMetadata().getNamespace())
        .addToLabels("kubernetes.io/service-name", serviceName)
        .addToLabels("endpointslice.kubernetes.io/managed-by", SLICE_MANAGER)
        .addToLabels(PoolLabels.POOL, pool.getMetadata().getName())
        .withOwnerReferences(owner(pool)).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("grpc").withProtocol("TCP").withPort(PoolLabels.DRIVER_PORT).endPort();
    for (DriverView d : endpoints) {
      b.addToEndpoints(new EndpointBuilder().withAddresses(d.ip())
          .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
          .withNewTargetRef().withKind("Pod").withName(d.name()).withNamespace(pool.getMetadata().getNamespace())
          .endTargetRef().build());
    }
    return b.build();
  }

  /**
   * Refuses every voluntary eviction of a driver: the operator removes drivers itself once their
   * sessions have moved (a node drain cordons the node first, and the operator replaces its
   * drivers). {@code minAvailable} is the number of driver pods, kept by the operator, and raised
   * before it creates one: an integer, because a percentage or maxUnavailable would be counted
   * against the pool's scale ({@code spec.replicas}), which a surge exceeds.
   */
  public static PodDisruptionBudget disruptionBudget(DriverPool pool, int drivers) {
    return new PodDisruptionBudgetBuilder().withNewMetadata()
        .withName(PoolLabels.driversService(pool.getMetadata().getName()))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "driver"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewSpec().withMinAvailable(new IntOrString(drivers))
        .withNewSelector().withMatchLabels(PoolLabels.driverSelector(pool.getMetadata().getName())).endSelector()
        .endSpec().build();
  }

  /**
   * Only the pool's gateway and the operator may reach its drivers' main port, and only the
   * operator their control port: the operator's pods only in the operator's own namespace, so a
   * pod labelled like the operator elsewhere is not let in.
   */
  public static NetworkPolicy networkPolicy(DriverPool pool, String operatorNamespace) {
    return networkPolicy(pool, operatorNamespace, executorPods(pool.getSpec().getDriver()));
  }

  /**
   * As above; {@code executors}: whether drivers of the pool start Spark executors as pods (they
   * may run an older revision than the spec's), whose calls back to their driver are admitted.
   */
  public static NetworkPolicy networkPolicy(DriverPool pool, String operatorNamespace, boolean executors) {
    String name = pool.getMetadata().getName();
    return new NetworkPolicyBuilder().withNewMetadata().withName(PoolLabels.driversService(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "driver"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewSpec()
        .withNewPodSelector().withMatchLabels(PoolLabels.driverSelector(name)).endPodSelector()
        .withPolicyTypes("Ingress")
        // The main port: the gateway and the operator.
        .addNewIngress()
        .addNewFrom().withNewPodSelector().addToMatchLabels(PoolLabels.POOL, name)
        .addToMatchLabels(PoolLabels.COMPONENT, "gateway").endPodSelector().endFrom()
        .addNewFrom().withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", operatorNamespace)
        .endNamespaceSelector().withNewPodSelector()
        .addToMatchLabels("app.kubernetes.io/name", "baton-operator").endPodSelector().endFrom()
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(PoolLabels.DRIVER_PORT)).endPort()
        .endIngress()
        // The control port: the operator alone.
        .addNewIngress()
        .addNewFrom().withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", operatorNamespace)
        .endNamespaceSelector().withNewPodSelector()
        .addToMatchLabels("app.kubernetes.io/name", "baton-operator").endPodSelector().endFrom()
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(PoolLabels.CONTROL_PORT)).endPort()
        .endIngress()
        // A Spark pool whose executors run as pods: its executors call their driver back.
        .addAllToIngress(executors ? List.of(new io.fabric8.kubernetes.api.model.networking.v1
            .NetworkPolicyIngressRuleBuilder()
            .addNewFrom().withNewPodSelector().withMatchLabels(PoolLabels.executorSelector(name)).endPodSelector()
            .endFrom()
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(PoolLabels.SPARK_DRIVER_PORT)).endPort()
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(PoolLabels.SPARK_BLOCK_MANAGER_PORT)).endPort()
            .build()) : List.of())
        .endSpec().build();
  }

  /** Whether drivers of this spec start their Spark executors as pods (a k8s:// master). */
  public static boolean executorPods(dev.baton.api.model.DriverSpec driver) {
    return driver.runsSpark() && driver.getSpark() != null && driver.getSpark().executorsOnKubernetes();
  }

  /**
   * {@code <pool>-spark-executors}: a Spark pool's executors take connections only from the pool's
   * drivers and from each other (shuffle and block transfers).
   */
  public static NetworkPolicy executorNetworkPolicy(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new NetworkPolicyBuilder().withNewMetadata().withName(name + "-spark-executors")
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "spark-executor"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewSpec()
        .withNewPodSelector().withMatchLabels(PoolLabels.executorSelector(name)).endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .addNewFrom().withNewPodSelector().withMatchLabels(PoolLabels.driverSelector(name)).endPodSelector().endFrom()
        .addNewFrom().withNewPodSelector().withMatchLabels(PoolLabels.executorSelector(name)).endPodSelector().endFrom()
        .endIngress()
        .endSpec().build();
  }

  /** {@code <pool>-spark}: the account a Spark pool's drivers start their executor pods as. */
  public static ServiceAccount sparkServiceAccount(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new ServiceAccountBuilder().withNewMetadata().withName(PoolLabels.sparkServiceAccount(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "driver"))
        .withOwnerReferences(owner(pool)).endMetadata().build();
  }

  /**
   * {@code <pool>-spark-executor}: the account a Spark pool's executor pods run as. It has no
   * rights and its token is not mounted: executors run client code and need no API access.
   */
  public static ServiceAccount sparkExecutorServiceAccount(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new ServiceAccountBuilder().withNewMetadata().withName(PoolLabels.sparkExecutorServiceAccount(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "spark-executor"))
        .withOwnerReferences(owner(pool)).endMetadata().withAutomountServiceAccountToken(false).build();
  }

  /**
   * {@code <pool>-spark}: binds the pool's Spark account, in the pool's namespace only, to
   * ClusterRole {@value #SPARK_DRIVER_ROLE} (installed with the operator): what Spark needs to run
   * executors as pods (pods, services, config maps, volume claims).
   */
  public static RoleBinding sparkRoleBinding(DriverPool pool) {
    String name = pool.getMetadata().getName();
    return new RoleBindingBuilder().withNewMetadata().withName(PoolLabels.sparkServiceAccount(name))
        .withNamespace(pool.getMetadata().getNamespace()).withLabels(labels(pool, "driver"))
        .withOwnerReferences(owner(pool)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(SPARK_DRIVER_ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(PoolLabels.sparkServiceAccount(name))
        .withNamespace(pool.getMetadata().getNamespace()).endSubject().build();
  }
}

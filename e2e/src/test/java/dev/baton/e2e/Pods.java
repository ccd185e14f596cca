package dev.baton.e2e;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Pods the tests create, and waiting for their status. */
final class Pods {
  private Pods() {}

  /** A driver pod as the operator will make it: downward-API env, gRPC health probes. */
  static Pod driver(String namespace, String name, String tag, long graceSeconds) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .addToLabels("app", "baton-driver").endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(graceSeconds)
        .addNewContainer().withName("driver").withImage("registry.example/baton/baton-driver:" + tag)
        .addNewPort().withName("grpc").withContainerPort(15002).endPort()
        .withEnv(
            new EnvVarBuilder().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                .endFieldRef().endValueFrom().build(),
            new EnvVarBuilder().withName("POD_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build(),
            new EnvVarBuilder().withName("BATON_REVISION").withValue("rev-$(POD_NAME)").build(),
            new EnvVarBuilder().withName("BATON_SHUTDOWN_GRACE").withValue("5s").build())
        .withNewReadinessProbe().withNewGrpc().withPort(15002).endGrpc().withPeriodSeconds(2).endReadinessProbe()
        .withNewLivenessProbe().withNewGrpc().withPort(15002).endGrpc().withPeriodSeconds(5)
        .withFailureThreshold(3).withInitialDelaySeconds(10).endLivenessProbe()
        .endContainer()
        .endSpec().build();
  }

  static Pod await(KubernetesClient client, String ns, String name, Predicate<Pod> condition, Duration timeout) {
    return client.pods().inNamespace(ns).withName(name)
        .waitUntilCondition(p -> p != null && condition.test(p), timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  static ContainerStatus container(Pod p) {
    return p.getStatus().getContainerStatuses().get(0);
  }
}

package dev.baton.operator.pool;

import dev.baton.api.Durations;

import dev.baton.api.PoolLabels;

import dev.baton.api.model.DriverPool;
import dev.baton.api.model.DriverSpec;
import dev.baton.api.model.EngineSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds a driver pod of a pool at a revision: labels, env, probes, security, ownership. */
public final class DriverPodFactory {
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private DriverPodFactory() {}

  /** A driver of the pool's current spec. */
  public static Pod build(DriverPool pool, String revision) {
    return build(pool, pool.getSpec().getDriver(), revision);
  }

  /**
   * A driver of a revision, from that revision's stored driver spec; pool-level settings (session
   * limit, drain timeout, tokens) are the pool's own, since changing them is not a new revision.
   */
  public static Pod build(DriverPool pool, DriverSpec driver, String revision) {
    Pod reference = buildReference(pool, driver, revision);
    return driver.runsSpark() ? SparkDriverPods.toSpark(reference, driver) : reference;
  }

  private static Pod buildReference(DriverPool pool, DriverSpec driver, String revision) {
    String name = pool.getMetadata().getName();
    long grace = Durations.parse(pool.getSpec().getUpgrade().getDrainTimeout()).plus(Duration.ofSeconds(30)).toSeconds();
    List<EnvVar> env = new ArrayList<>(List.of(
        fieldRef("POD_IP", "status.podIP"),
        fieldRef("POD_NAME", "metadata.name"),
        fieldRef("POD_NAMESPACE", "metadata.namespace"),
        new EnvVarBuilder().withName("BATON_PORT").withValue(String.valueOf(PoolLabels.DRIVER_PORT)).build(),
        new EnvVarBuilder().withName("BATON_CONTROL_PORT").withValue(String.valueOf(PoolLabels.CONTROL_PORT)).build(),
        new EnvVarBuilder().withName("BATON_REVISION").withValue(revision).build(),
        new EnvVarBuilder().withName("BATON_MAX_SESSIONS")
            .withValue(String.valueOf(pool.getSpec().getSessions().getMaxPerDriver())).build(),
        new EnvVarBuilder().withName("BATON_SHUTDOWN_GRACE").withValue(pool.getSpec().getUpgrade().getDrainTimeout()).build(),
        controlToken(name),
        sessionToken(name),
        acceptedTokens("BATON_CONTROL_TOKENS", ControlTokens.secretName(name)),
        acceptedTokens("BATON_SESSION_TOKENS", ControlTokens.sessionSecretName(name))));
    EngineSpec engine = driver.getEngine();
    if (engine != null && !driver.runsSpark()) {
      addIfSet(env, "BATON_SESSION_MEMORY_LIMIT", toDriverSize(engine.getMemoryLimit()));
      addIfSet(env, "BATON_SESSION_THREADS", engine.getThreads() == null ? null : engine.getThreads().toString());
      addIfSet(env, "BATON_SESSION_OPERATION_TIMEOUT", engine.getOperationTimeout());
      addIfSet(env, "BATON_SESSION_RESULT_BUFFER", toDriverSize(engine.getResultBuffer()));
    }
    if (driver.getEnv() != null) {
      // The user's variables go first: of two with one name the last wins, so a reserved
      // variable (the API server also refuses BATON_* and POD_* names in spec.driver.env) can
      // never be replaced.
      env.addAll(0, driver.getEnv());
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName(name + "-" + revision.substring(0, Math.min(6, revision.length())) + "-" + suffix())
        .withNamespace(pool.getMetadata().getNamespace())
        .addToLabels(PoolLabels.driverSelector(name))
        .addToLabels(PoolLabels.REVISION, revision)
        .addToLabels("app.kubernetes.io/name", "baton-driver")
        .addToLabels("app.kubernetes.io/instance", name)
        .addToLabels(PoolLabels.MANAGED_BY, PoolLabels.OPERATOR)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(pool.getApiVersion()).withKind(pool.getKind())
            .withName(name).withUid(pool.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true)
            .build())
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withTerminationGracePeriodSeconds(grace)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer()
        .withName("driver")
        .withImage(driver.getImage())
        .addNewPort().withName("grpc").withContainerPort(PoolLabels.DRIVER_PORT).endPort()
        .addNewPort().withName(PoolLabels.CONTROL_PORT_NAME).withContainerPort(PoolLabels.CONTROL_PORT).endPort()
        .withEnv(env)
        .withResources(driver.getResources())
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount()
        .withNewReadinessProbe().withNewGrpc().withPort(PoolLabels.DRIVER_PORT).endGrpc()
        .withPeriodSeconds(5).withFailureThreshold(2).endReadinessProbe()
        .withNewLivenessProbe().withNewGrpc().withPort(PoolLabels.DRIVER_PORT).endGrpc()
        .withInitialDelaySeconds(20).withPeriodSeconds(10).withFailureThreshold(6).endLivenessProbe()
        .endContainer()
        .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .build();
  }

  /** Only the operator, which knows this token, may call the driver's DriverControl. */
  static EnvVar controlToken(String pool) {
    return new EnvVarBuilder().withName("BATON_CONTROL_TOKEN").withNewValueFrom().withNewSecretKeyRef()
        .withName(ControlTokens.secretName(pool)).withKey(ControlTokens.KEY).endSecretKeyRef().endValueFrom().build();
  }

  /** Only the pool's gateway and the operator, which know this token, may call the session API. */
  static EnvVar sessionToken(String pool) {
    return new EnvVarBuilder().withName("BATON_SESSION_TOKEN").withNewValueFrom().withNewSecretKeyRef()
        .withName(ControlTokens.sessionSecretName(pool)).withKey(ControlTokens.KEY).endSecretKeyRef().endValueFrom()
        .build();
  }

  /**
   * During a rotation of the pool's tokens, every token a driver accepts (newest first), from the
   * Secret's key {@code accepted}; absent otherwise, so the variable is empty.
   */
  static EnvVar acceptedTokens(String variable, String secret) {
    return new EnvVarBuilder().withName(variable).withNewValueFrom().withNewSecretKeyRef().withName(secret)
        .withKey(ControlTokens.ACCEPTED_KEY).withOptional(true).endSecretKeyRef().endValueFrom().build();
  }

  static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path)
        .endFieldRef().endValueFrom().build();
  }

  private static void addIfSet(List<EnvVar> env, String name, String value) {
    if (value != null) {
      env.add(new EnvVarBuilder().withName(name).withValue(value).build());
    }
  }

  /** Kubernetes quantities (512Mi) as the driver's sizes (512MiB). */
  static String toDriverSize(String quantity) {
    if (quantity == null) {
      return null;
    }
    if (quantity.endsWith("i")) {
      return quantity + "B";
    }
    if (quantity.matches(".*[kKMGT]$")) {
      return quantity.substring(0, quantity.length() - 1) + Character.toUpperCase(quantity.charAt(quantity.length() - 1)) + "B";
    }
    return quantity;
  }

  private static String suffix() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return s.toString();
  }
}

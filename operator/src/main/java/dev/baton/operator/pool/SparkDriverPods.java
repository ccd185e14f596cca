package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;
import dev.baton.api.model.DriverSpec;
import dev.baton.api.model.SparkSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A SparkConnect pool's driver pod: the Spark image runs Spark's own Connect server through
 * spark-submit, with Baton's Spark plugin (copied in by an init container from the plugin image)
 * loaded as its gRPC interceptor. Spark Connect listens on the driver port; the plugin serves
 * DriverControl, the operator's session API and health on the control port, which the probes use.
 */
public final class SparkDriverPods {
  /** Where a Spark image keeps Spark (the Apache images' SPARK_HOME). */
  public static final String SPARK_HOME = "/opt/spark";
  /** Where the plugin image keeps the plugin jar. */
  public static final String PLUGIN_IN_IMAGE = "/opt/baton/baton-spark-plugin.jar";
  /** Where the driver container finds the plugin jar (an emptyDir the init container fills). */
  public static final String PLUGIN_IN_POD = "/baton-plugin/baton-spark-plugin.jar";
  public static final String CONNECT_SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer";
  public static final String INTERCEPTOR = "dev.baton.spark.BatonConnectInterceptor";
  /** The uid and gid of the {@code spark} user of the Apache Spark images. */
  public static final long SPARK_UID = 185;
  /** The plugin image pools get unless they name one: the operator's BATON_SPARK_PLUGIN_IMAGE. */
  public static final String DEFAULT_PLUGIN_IMAGE = "ghcr.io/baton-dev/baton-spark-plugin:0.1.0";

  private SparkDriverPods() {}

  static String pluginImage(SparkSpec spark) {
    if (spark != null && spark.getPluginImage() != null) {
      return spark.getPluginImage();
    }
    String fromOperator = System.getenv("BATON_SPARK_PLUGIN_IMAGE");
    return fromOperator == null || fromOperator.isBlank() ? DEFAULT_PLUGIN_IMAGE : fromOperator;
  }

  /** spark-submit's arguments: Spark's Connect server, the plugin, the ports, then the pool's conf. */
  static List<String> submitArgs(SparkSpec spark) {
    return submitArgs(spark, null, null, null);
  }

  /**
   * As above, for a driver of pool {@code pool} in {@code namespace} running {@code image}: with a
   * k8s:// master, the conf that lets it start its executors as pods of the namespace (the driver
   * as the pool's Spark ServiceAccount, the executors as one with no rights), labelled as the pool's executors (its NetworkPolicies admit them),
   * owned by the driver pod (they go with it), calling back to the pod's address on fixed ports.
   * {@code $(POD_NAME)} and {@code $(POD_IP)} are the pod's own variables, expanded by the kubelet.
   */
  static List<String> submitArgs(SparkSpec spark, String pool, String namespace, String image) {
    List<String> args = new ArrayList<>(List.of("--class", CONNECT_SERVER,
        "--master", spark == null || spark.getMaster() == null ? "local[*]" : spark.getMaster(),
        "--jars", PLUGIN_IN_POD,
        "--conf", "spark.connect.grpc.interceptor.classes=" + INTERCEPTOR,
        "--conf", "spark.connect.grpc.binding.port=" + PoolLabels.DRIVER_PORT,
        // Spark writes scratch files and a local warehouse: both on the pod's scratch volume.
        "--conf", "spark.local.dir=/scratch/spark-local",
        "--conf", "spark.sql.warehouse.dir=/scratch/warehouse"));
    if (spark != null && spark.executorsOnKubernetes() && pool != null) {
      Map<String, String> k8s = new java.util.LinkedHashMap<>();
      k8s.put("spark.kubernetes.namespace", namespace);
      k8s.put("spark.kubernetes.driver.pod.name", "$(POD_NAME)");
      // The driver signs in with its pod's token; executors run client code, as an account with
      // no rights and no token.
      k8s.put("spark.kubernetes.authenticate.executor.serviceAccountName",
          PoolLabels.sparkExecutorServiceAccount(pool));
      k8s.put("spark.driver.host", "$(POD_IP)");
      k8s.put("spark.driver.port", String.valueOf(PoolLabels.SPARK_DRIVER_PORT));
      k8s.put("spark.driver.blockManager.port", String.valueOf(PoolLabels.SPARK_BLOCK_MANAGER_PORT));
      // The executors' image unless the pool's conf (which comes after) names one: the driver's own.
      k8s.put("spark.kubernetes.container.image", image);
      new TreeMap<>(PoolLabels.executorSelector(pool))
          .forEach((k, v) -> k8s.put("spark.kubernetes.executor.label." + k, v));
      k8s.forEach((k, v) -> {
        args.add("--conf");
        args.add(k + "=" + v);
      });
    }
    Map<String, String> conf = spark == null || spark.getConf() == null ? Map.of() : new TreeMap<>(spark.getConf());
    conf.forEach((k, v) -> {
      args.add("--conf");
      args.add(k + "=" + v);
    });
    return args;
  }

  /** Turns the reference driver's pod into the Spark driver's: same identity, env and security. */
  static Pod toSpark(Pod reference, DriverSpec driver) {
    Container base = reference.getSpec().getContainers().get(0);
    String pool = reference.getMetadata().getLabels().get(PoolLabels.POOL);
    boolean executorPods = driver.getSpark() != null && driver.getSpark().executorsOnKubernetes();
    ContainerBuilder sparkBuilder = new ContainerBuilder(base)
        .withCommand(SPARK_HOME + "/bin/spark-submit")
        .withArgs(submitArgs(driver.getSpark(), pool, reference.getMetadata().getNamespace(), driver.getImage()));
    if (executorPods) {
      sparkBuilder.addNewPort().withName("spark-driver").withContainerPort(PoolLabels.SPARK_DRIVER_PORT).endPort()
          .addNewPort().withName("spark-blocks").withContainerPort(PoolLabels.SPARK_BLOCK_MANAGER_PORT).endPort();
    }
    Container spark = sparkBuilder
        .addToEnv(DriverPodFactory.fieldRef("SPARK_LOCAL_IP", "status.podIP"),
            new EnvVarBuilder().withName("HOME").withValue("/scratch").build(),
            new EnvVarBuilder().withName("BATON_SPARK_ARTIFACTS").withValue(driver.getSpark() != null
                && driver.getSpark().getArtifacts() == SparkSpec.SparkArtifacts.Refused ? "refused" : "allowed").build())
        .addToVolumeMounts(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build(),
            new VolumeMountBuilder().withName("baton-plugin").withMountPath("/baton-plugin").withReadOnly(true).build())
        .withNewReadinessProbe().withNewGrpc().withPort(PoolLabels.CONTROL_PORT).endGrpc()
        .withPeriodSeconds(5).withFailureThreshold(2).endReadinessProbe()
        // A Spark server takes 10 s to a minute to start.
        .withNewStartupProbe().withNewGrpc().withPort(PoolLabels.CONTROL_PORT).endGrpc()
        .withPeriodSeconds(5).withFailureThreshold(36).endStartupProbe()
        .withNewLivenessProbe().withNewGrpc().withPort(PoolLabels.CONTROL_PORT).endGrpc()
        .withPeriodSeconds(10).withFailureThreshold(6).endLivenessProbe()
        .build();
    Container copyPlugin = new ContainerBuilder().withName("baton-spark-plugin")
        .withImage(pluginImage(driver.getSpark()))
        .withCommand("cp", PLUGIN_IN_IMAGE, PLUGIN_IN_POD)
        .withSecurityContext(base.getSecurityContext())
        .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("10m"))
        .addToRequests("memory", new io.fabric8.kubernetes.api.model.Quantity("16Mi"))
        .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("64Mi")).endResources()
        .addToVolumeMounts(new VolumeMountBuilder().withName("baton-plugin").withMountPath("/baton-plugin").build())
        .build();
    PodBuilder pod = new PodBuilder(reference)
        .editMetadata().addToLabels(PoolLabels.DRIVER_KIND, PoolLabels.SPARK_CONNECT_KIND).endMetadata();
    if (executorPods) {
      // Spark's Kubernetes client signs in with the pod's token, as the pool's Spark account.
      pod.editSpec().withServiceAccountName(PoolLabels.sparkServiceAccount(pool))
          .withAutomountServiceAccountToken(true).endSpec();
    }
    return pod
        .editSpec()
        // The Apache Spark images' own user: Spark (Hadoop's login) needs a uid the image knows.
        .editSecurityContext().withRunAsUser(SPARK_UID).withRunAsGroup(SPARK_UID).withFsGroup(SPARK_UID)
        .endSecurityContext()
        .withContainers(spark)
        .withInitContainers(copyPlugin)
        .addToVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build(),
            new VolumeBuilder().withName("baton-plugin").withNewEmptyDir().endEmptyDir().build())
        .endSpec()
        .build();
  }
}

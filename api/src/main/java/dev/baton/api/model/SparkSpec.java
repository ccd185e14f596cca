package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/** How a SparkConnect driver runs its Spark Connect server. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class SparkSpec {
  @Size(min = 1, max = 256)
  @Pattern("^(local(\\[(\\*|[1-9][0-9]{0,3})\\])?|k8s://https://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$")
  @JsonPropertyDescription("Spark master of each driver: local, local[N] or local[*] (the default), where the "
      + "work runs inside the driver pod; or k8s://https://<API server>[:port] (in a cluster, "
      + "k8s://https://kubernetes.default.svc), where each driver starts its executors as pods of the pool's "
      + "namespace. The drivers run as ServiceAccount <pool>-spark, which the operator makes and binds to "
      + "ClusterRole baton-spark-driver; the executors as <pool>-spark-executor, with no rights and no token. The "
      + "drivers' account can create pods in the namespace, so code a client runs on a driver can too: give such a "
      + "pool a namespace of its own. Executors run the driver image unless "
      + "spark.kubernetes.executor.container.image is set.")
  private String master;

  @Size(max = 128)
  @ValidationRule(value = "self.all(k, !(k in ['spark.connect.grpc.binding.port', "
      + "'spark.connect.grpc.interceptor.classes', 'spark.master', 'spark.jars', 'spark.driver.host', "
      + "'spark.driver.port', 'spark.driver.blockManager.port', 'spark.kubernetes.namespace', "
      + "'spark.kubernetes.driver.pod.name', 'spark.kubernetes.authenticate.driver.serviceAccountName', "
      + "'spark.kubernetes.authenticate.executor.serviceAccountName'] "
      + "|| k.startsWith('spark.kubernetes.executor.label.baton.dev/') "
      + "|| k == 'spark.kubernetes.executor.label.app.kubernetes.io/component'))",
      message = "may not set spark.connect.grpc.binding.port, spark.connect.grpc.interceptor.classes, "
          + "spark.master, spark.jars, spark.driver.host, spark.driver.port, spark.driver.blockManager.port, "
          + "spark.kubernetes.namespace, spark.kubernetes.driver.pod.name, "
          + "spark.kubernetes.authenticate.driver.serviceAccountName, "
          + "spark.kubernetes.authenticate.executor.serviceAccountName or the executor labels baton.dev/* and "
          + "app.kubernetes.io/component: the operator sets them (use master for the master)",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription("Spark configuration of each driver's Spark Connect server (at most 128 keys), "
      + "passed as --conf key=value, e.g. spark.executor.memory: 2g.")
  private Map<String, String> conf;

  @Size(max = 512)
  @Pattern(Patterns.IMAGE)
  @JsonPropertyDescription("Image that holds Baton's Spark plugin at /opt/baton/baton-spark-plugin.jar; an init "
      + "container copies it into the driver pod. Default: the operator's BATON_SPARK_PLUGIN_IMAGE.")
  private String pluginImage;

  @JsonPropertyDescription("Whether clients may upload artifacts (jars, files, Python packages) to the drivers: "
      + "Allowed (Spark's own behaviour; the default) or Refused (AddArtifacts is PERMISSION_DENIED). Uploaded "
      + "artifacts run in the drivers' JVMs and do not move with a session.")
  private SparkArtifacts artifacts;

  /** Whether this pool's drivers start their executors as pods (a k8s:// master). */
  public boolean executorsOnKubernetes() {
    return master != null && master.startsWith("k8s://");
  }

  /** Whether clients may upload artifacts. */
  public enum SparkArtifacts {
    Allowed,
    Refused
  }

  public SparkArtifacts getArtifacts() {
    return artifacts;
  }

  public void setArtifacts(SparkArtifacts artifacts) {
    this.artifacts = artifacts;
  }

  public String getMaster() {
    return master;
  }

  public void setMaster(String master) {
    this.master = master;
  }

  public Map<String, String> getConf() {
    return conf;
  }

  public void setConf(Map<String, String> conf) {
    this.conf = conf;
  }

  public String getPluginImage() {
    return pluginImage;
  }

  public void setPluginImage(String pluginImage) {
    this.pluginImage = pluginImage;
  }
}

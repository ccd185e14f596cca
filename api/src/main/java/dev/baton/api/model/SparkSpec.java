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
  @Size(min = 1, max = 32)
  @Pattern("^local(\\[(\\*|[1-9][0-9]{0,3})\\])?$")
  @JsonPropertyDescription("Spark master of each driver: local, local[N] or local[*] (the default): the work runs "
      + "inside the driver pod. Executors on Kubernetes (k8s://) are not supported yet: they need the pool's "
      + "ServiceAccount, RBAC and a NetworkPolicy that Baton does not make.")
  private String master;

  @Size(max = 128)
  @ValidationRule(value = "self.all(k, !(k in ['spark.connect.grpc.binding.port', "
      + "'spark.connect.grpc.interceptor.classes', 'spark.master', 'spark.jars']))",
      message = "may not set spark.connect.grpc.binding.port, spark.connect.grpc.interceptor.classes, "
          + "spark.master or spark.jars: the operator sets them (use master for the master)",
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

package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

/** The driver a pool runs: kind, image, resources, environment and engine defaults. */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "(has(self.kind) && self.kind == 'SparkConnect') || !has(self.spark)",
    message = "spark applies to kind SparkConnect only", reason = "FieldValueInvalid")
public class DriverSpec {
  // No schema default under spec.driver: a default would enter every pool's revision hash, and
  // upgrading Baton would then roll every pool. Unset means Reference.
  @JsonPropertyDescription("Which server the drivers run: Reference (Baton's driver on DuckDB; the default) or "
      + "SparkConnect (an Apache Spark Connect server with Baton's Spark plugin; image is then a Spark image such as "
      + "apache/spark:4.3.0, and changing its tag rolls the pool to that Spark version).")
  private DriverKind kind;

  @JsonPropertyDescription("For kind SparkConnect: the Spark master and configuration of each driver.")
  private SparkSpec spark;

  @Required
  @Size(min = 1, max = 512)
  @Pattern(Patterns.IMAGE)
  @JsonPropertyDescription("Driver image, e.g. registry.example/baton-driver:1.4.0. The tag is the driver's "
      + "version; changing it rolls the pool to the new version.")
  private String image;

  @JsonPropertyDescription("CPU and memory for each driver pod.")
  private ResourceRequirements resources;

  @Size(max = 128)
  @ValidationRule(value = "self.all(e, !(e.name in ['BATON_CONTROL_TOKEN', 'BATON_SESSION_TOKEN', "
      + "'BATON_CONTROL_TOKENS', 'BATON_SESSION_TOKENS', 'BATON_HOST', 'BATON_PORT', 'BATON_CONTROL_PORT', "
      + "'BATON_REVISION', 'BATON_MAX_SESSIONS', 'BATON_SHUTDOWN_GRACE', 'POD_IP', 'POD_NAME', 'POD_NAMESPACE']))",
      message = "may not set a variable the operator sets for every driver (BATON_CONTROL_TOKEN, "
          + "BATON_SESSION_TOKEN, BATON_CONTROL_TOKENS, BATON_SESSION_TOKENS, BATON_HOST, BATON_PORT, "
          + "BATON_CONTROL_PORT, BATON_REVISION, BATON_MAX_SESSIONS, BATON_SHUTDOWN_GRACE, POD_IP, POD_NAME, "
          + "POD_NAMESPACE); use the pool's own fields instead",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription("Extra environment variables for the driver (at most 128), e.g. BATON_DATA_DIRS. "
      + "Variables the operator sets itself (tokens, address, revision, limits from the pool's fields) are refused.")
  private List<EnvVar> env = new ArrayList<>();

  @Default("{}")
  @JsonPropertyDescription("Defaults for the sessions this pool's drivers open (Reference drivers only; a Spark "
      + "driver's sessions take their settings from spark.conf).")
  private EngineSpec engine = new EngineSpec();

  /** The kind as written; null when unset (see {@link #runsSpark()}). */
  public DriverKind getKind() {
    return kind;
  }

  /** Whether the drivers are Spark Connect servers (not a bean property: never serialized). */
  public boolean runsSpark() {
    return kind == DriverKind.SparkConnect;
  }

  public void setKind(DriverKind kind) {
    this.kind = kind;
  }

  public SparkSpec getSpark() {
    return spark;
  }

  public void setSpark(SparkSpec spark) {
    this.spark = spark;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVar> env) {
    this.env = env;
  }

  public EngineSpec getEngine() {
    return engine;
  }

  public void setEngine(EngineSpec engine) {
    this.engine = engine;
  }
}

package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The pool's gateway as its Deployment reports it. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GatewayStatus {
  @JsonPropertyDescription("Name of the gateway Deployment in the pool's namespace.")
  private String deployment;

  @JsonPropertyDescription("Gateway replicas wanted.")
  private Integer replicas;

  @JsonPropertyDescription("Gateway replicas ready to take calls.")
  private Integer readyReplicas;

  public GatewayStatus() {}

  public GatewayStatus(String deployment, Integer replicas, Integer readyReplicas) {
    this.deployment = deployment;
    this.replicas = replicas;
    this.readyReplicas = readyReplicas;
  }

  public String getDeployment() {
    return deployment;
  }

  public void setDeployment(String deployment) {
    this.deployment = deployment;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GatewayStatus g && Objects.equals(deployment, g.deployment)
        && Objects.equals(replicas, g.replicas) && Objects.equals(readyReplicas, g.readyReplicas);
  }

  @Override
  public int hashCode() {
    return Objects.hash(deployment, replicas, readyReplicas);
  }
}

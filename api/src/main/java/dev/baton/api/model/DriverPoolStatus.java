package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Where a pool stands. Written only by the operator. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriverPoolStatus {
  @JsonPropertyDescription("The generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("The revision (hash of the user-set driver spec) of the drivers serving now.")
  private String currentRevision;

  @JsonPropertyDescription("The revision the pool is moving to; equal to currentRevision when no rollout is pending.")
  private String updateRevision;

  @JsonPropertyDescription("The last revision whose rollout completed: where an automatic rollback returns to.")
  private String lastStableRevision;

  @JsonPropertyDescription("The latest rollout of a new driver revision and how far it got.")
  private RolloutStatus rollout;

  @JsonPropertyDescription("The latest rotation of the pool's tokens (annotation baton.dev/rotateTokensAt).")
  private TokenRotationStatus tokenRotation;

  @StatusReplicas
  @JsonPropertyDescription("Driver pods that exist.")
  private Integer replicas;

  @JsonPropertyDescription("Driver pods that are ready.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Driver pods of updateRevision.")
  private Integer updatedReplicas;

  @JsonPropertyDescription("Driver pods being drained before removal.")
  private Integer drainingReplicas;

  @JsonPropertyDescription("Sessions open on the pool's drivers.")
  private Integer sessions;

  @JsonPropertyDescription("The address clients use: the pool Service's DNS name and port.")
  private String endpoint;

  @JsonPropertyDescription("The gateway Deployment behind endpoint and how many of its replicas are ready.")
  private GatewayStatus gateway;

  @LabelSelector
  @JsonPropertyDescription("Label selector of the pool's driver pods (for the scale subresource).")
  private String selector;

  @JsonPropertyDescription("Available, Progressing, Degraded and RolloutComplete, in metav1.Condition form. "
      + "RolloutComplete is True only when every driver runs the revision of the current generation and serves: "
      + "the condition a pipeline waits for (after status.observedGeneration reaches its generation).")
  private List<Condition> conditions = new ArrayList<>();

  public TokenRotationStatus getTokenRotation() {
    return tokenRotation;
  }

  public void setTokenRotation(TokenRotationStatus tokenRotation) {
    this.tokenRotation = tokenRotation;
  }

  public GatewayStatus getGateway() {
    return gateway;
  }

  public void setGateway(GatewayStatus gateway) {
    this.gateway = gateway;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getCurrentRevision() {
    return currentRevision;
  }

  public void setCurrentRevision(String currentRevision) {
    this.currentRevision = currentRevision;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  public String getLastStableRevision() {
    return lastStableRevision;
  }

  public void setLastStableRevision(String lastStableRevision) {
    this.lastStableRevision = lastStableRevision;
  }

  public RolloutStatus getRollout() {
    return rollout;
  }

  public void setRollout(RolloutStatus rollout) {
    this.rollout = rollout;
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

  public Integer getUpdatedReplicas() {
    return updatedReplicas;
  }

  public void setUpdatedReplicas(Integer updatedReplicas) {
    this.updatedReplicas = updatedReplicas;
  }

  public Integer getDrainingReplicas() {
    return drainingReplicas;
  }

  public void setDrainingReplicas(Integer drainingReplicas) {
    this.drainingReplicas = drainingReplicas;
  }

  public Integer getSessions() {
    return sessions;
  }

  public void setSessions(Integer sessions) {
    this.sessions = sessions;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DriverPoolStatus s)) {
      return false;
    }
    return Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(currentRevision, s.currentRevision)
        && Objects.equals(updateRevision, s.updateRevision) && Objects.equals(replicas, s.replicas)
        && Objects.equals(lastStableRevision, s.lastStableRevision) && Objects.equals(rollout, s.rollout)
        && Objects.equals(readyReplicas, s.readyReplicas) && Objects.equals(updatedReplicas, s.updatedReplicas)
        && Objects.equals(drainingReplicas, s.drainingReplicas) && Objects.equals(sessions, s.sessions)
        && Objects.equals(endpoint, s.endpoint) && Objects.equals(selector, s.selector)
        && Objects.equals(gateway, s.gateway) && Objects.equals(conditions, s.conditions)
        && Objects.equals(tokenRotation, s.tokenRotation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, currentRevision, updateRevision, replicas, readyReplicas, sessions);
  }
}

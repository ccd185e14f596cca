package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Where a session is. Written only by the operator. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientSessionStatus {
  @JsonPropertyDescription("The generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Bound, Migrating, Closed or Failed.")
  private SessionPhase phase;

  @JsonPropertyDescription("The session id on the drivers (stays the same when the session moves).")
  private String sessionId;

  @JsonPropertyDescription("The driver pod the session is open on.")
  private String driverPod;

  @JsonPropertyDescription("The driver's gRPC address, host:port.")
  private String endpoint;

  @JsonPropertyDescription("The pool revision of that driver.")
  private String revision;

  @JsonPropertyDescription("How many times the session moved to another driver.")
  private Integer migrations;

  @JsonPropertyDescription("When the session last received a call, as its driver reported it.")
  private String lastActiveTime;

  @JsonPropertyDescription("The move in progress, if any: from, to, step and since. Each step is written before it is taken.")
  private SessionMove move;

  @JsonPropertyDescription("Ready and StateLost, in metav1.Condition form.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public SessionPhase getPhase() {
    return phase;
  }

  public void setPhase(SessionPhase phase) {
    this.phase = phase;
  }

  public String getSessionId() {
    return sessionId;
  }

  public void setSessionId(String sessionId) {
    this.sessionId = sessionId;
  }

  public String getDriverPod() {
    return driverPod;
  }

  public void setDriverPod(String driverPod) {
    this.driverPod = driverPod;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  public Integer getMigrations() {
    return migrations;
  }

  public void setMigrations(Integer migrations) {
    this.migrations = migrations;
  }

  public String getLastActiveTime() {
    return lastActiveTime;
  }

  public void setLastActiveTime(String lastActiveTime) {
    this.lastActiveTime = lastActiveTime;
  }

  public SessionMove getMove() {
    return move;
  }

  public void setMove(SessionMove move) {
    this.move = move;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ClientSessionStatus s)) {
      return false;
    }
    return Objects.equals(observedGeneration, s.observedGeneration) && phase == s.phase
        && Objects.equals(sessionId, s.sessionId) && Objects.equals(driverPod, s.driverPod)
        && Objects.equals(endpoint, s.endpoint) && Objects.equals(revision, s.revision)
        && Objects.equals(migrations, s.migrations) && Objects.equals(lastActiveTime, s.lastActiveTime)
        && Objects.equals(move, s.move) && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, sessionId, driverPod, revision);
  }
}

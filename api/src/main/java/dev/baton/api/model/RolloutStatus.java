package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The latest rollout of a pool: written by the operator before each step it takes, so an operator
 * restart continues from here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutStatus {
  @JsonPropertyDescription("The revision the rollout moves the pool to.")
  private String revision;

  @JsonPropertyDescription("The revision the pool ran when the rollout started.")
  private String fromRevision;

  @JsonPropertyDescription("The strategy the rollout uses.")
  private UpgradeStrategy strategy;

  @JsonPropertyDescription("Progressing, Paused, Complete, Failed, RollingBack or RolledBack.")
  private RolloutPhase phase;

  @JsonPropertyDescription("When the rollout started (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription("When the rollout last made progress: a new driver serving, a session moved or an old "
      + "driver removed. progressDeadline counts from here; paused time is not counted.")
  private String lastProgressTime;

  @JsonPropertyDescription("When the rollout was paused, while it is.")
  private String pausedAt;

  @JsonPropertyDescription("Drivers of the rollout's revision that serve.")
  private Integer driversUpdated;

  @JsonPropertyDescription("Drivers the pool wants (spec.replicas).")
  private Integer driversTotal;

  @JsonPropertyDescription("Drivers still to be replaced: of another revision, or on a cordoned node.")
  private Integer driversToReplace;

  @JsonPropertyDescription("Sessions still on drivers that are to be replaced (counted on drivers that answer).")
  private Integer sessionsToMove;

  @JsonPropertyDescription("Sessions that left drivers being replaced since the rollout started (moved, or closed "
      + "by their clients), counted as new lows of sessionsToMove.")
  private Integer sessionsMoved;

  @JsonPropertyDescription("Most drivers of the rollout's revision seen serving at once: progress is a new high.")
  private Integer mostDriversUpdated;

  @JsonPropertyDescription("Fewest sessions seen on drivers to be replaced: progress is a new low (sessions opened "
      + "and closed meanwhile do not count).")
  private Integer fewestSessionsToMove;

  @JsonPropertyDescription("A revision that made no progress within progressDeadline and was rolled back. The "
      + "pool does not try it again until spec.driver changes.")
  private String failedRevision;

  @JsonPropertyDescription("The value of the baton.dev/restartedAt annotation this rollout applies, if any.")
  private String restartedAt;

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  public String getFromRevision() {
    return fromRevision;
  }

  public void setFromRevision(String fromRevision) {
    this.fromRevision = fromRevision;
  }

  public UpgradeStrategy getStrategy() {
    return strategy;
  }

  public void setStrategy(UpgradeStrategy strategy) {
    this.strategy = strategy;
  }

  public RolloutPhase getPhase() {
    return phase;
  }

  public void setPhase(RolloutPhase phase) {
    this.phase = phase;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getLastProgressTime() {
    return lastProgressTime;
  }

  public void setLastProgressTime(String lastProgressTime) {
    this.lastProgressTime = lastProgressTime;
  }

  public String getPausedAt() {
    return pausedAt;
  }

  public void setPausedAt(String pausedAt) {
    this.pausedAt = pausedAt;
  }

  public Integer getDriversUpdated() {
    return driversUpdated;
  }

  public void setDriversUpdated(Integer driversUpdated) {
    this.driversUpdated = driversUpdated;
  }

  public Integer getDriversTotal() {
    return driversTotal;
  }

  public void setDriversTotal(Integer driversTotal) {
    this.driversTotal = driversTotal;
  }

  public Integer getDriversToReplace() {
    return driversToReplace;
  }

  public void setDriversToReplace(Integer driversToReplace) {
    this.driversToReplace = driversToReplace;
  }

  public Integer getSessionsToMove() {
    return sessionsToMove;
  }

  public void setSessionsToMove(Integer sessionsToMove) {
    this.sessionsToMove = sessionsToMove;
  }

  public Integer getSessionsMoved() {
    return sessionsMoved;
  }

  public void setSessionsMoved(Integer sessionsMoved) {
    this.sessionsMoved = sessionsMoved;
  }

  public Integer getMostDriversUpdated() {
    return mostDriversUpdated;
  }

  public void setMostDriversUpdated(Integer mostDriversUpdated) {
    this.mostDriversUpdated = mostDriversUpdated;
  }

  public Integer getFewestSessionsToMove() {
    return fewestSessionsToMove;
  }

  public void setFewestSessionsToMove(Integer fewestSessionsToMove) {
    this.fewestSessionsToMove = fewestSessionsToMove;
  }

  public String getFailedRevision() {
    return failedRevision;
  }

  public void setFailedRevision(String failedRevision) {
    this.failedRevision = failedRevision;
  }

  public String getRestartedAt() {
    return restartedAt;
  }

  public void setRestartedAt(String restartedAt) {
    this.restartedAt = restartedAt;
  }

  /** A copy, so a planner can derive the next status without touching the observed one. */
  public RolloutStatus copy() {
    RolloutStatus c = new RolloutStatus();
    c.revision = revision;
    c.fromRevision = fromRevision;
    c.strategy = strategy;
    c.phase = phase;
    c.startedAt = startedAt;
    c.lastProgressTime = lastProgressTime;
    c.pausedAt = pausedAt;
    c.driversUpdated = driversUpdated;
    c.driversTotal = driversTotal;
    c.driversToReplace = driversToReplace;
    c.sessionsToMove = sessionsToMove;
    c.sessionsMoved = sessionsMoved;
    c.mostDriversUpdated = mostDriversUpdated;
    c.fewestSessionsToMove = fewestSessionsToMove;
    c.failedRevision = failedRevision;
    c.restartedAt = restartedAt;
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RolloutStatus r && Objects.equals(revision, r.revision)
        && Objects.equals(fromRevision, r.fromRevision) && strategy == r.strategy && phase == r.phase
        && Objects.equals(startedAt, r.startedAt) && Objects.equals(lastProgressTime, r.lastProgressTime)
        && Objects.equals(pausedAt, r.pausedAt) && Objects.equals(driversUpdated, r.driversUpdated)
        && Objects.equals(driversTotal, r.driversTotal) && Objects.equals(driversToReplace, r.driversToReplace)
        && Objects.equals(sessionsToMove, r.sessionsToMove)
        && Objects.equals(sessionsMoved, r.sessionsMoved) && Objects.equals(failedRevision, r.failedRevision)
        && Objects.equals(mostDriversUpdated, r.mostDriversUpdated)
        && Objects.equals(fewestSessionsToMove, r.fewestSessionsToMove)
        && Objects.equals(restartedAt, r.restartedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(revision, phase, lastProgressTime, driversUpdated, sessionsToMove);
  }

  @Override
  public String toString() {
    return "rollout to " + revision + " from " + fromRevision + " (" + strategy + ", " + phase + ", " + driversUpdated
        + "/" + driversTotal + " drivers, " + sessionsMoved + " moved, " + sessionsToMove + " to move)";
  }
}

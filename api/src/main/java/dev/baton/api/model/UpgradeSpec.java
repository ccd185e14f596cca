package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** How a new revision rolls through the pool. */
@ValidationRule(value = "self.maxSurge > 0 || self.maxUnavailable > 0",
    message = "maxSurge and maxUnavailable cannot both be 0: the rollout could never make progress",
    fieldPath = ".maxSurge", reason = "FieldValueInvalid")
@JsonIgnoreProperties(ignoreUnknown = true)
public class UpgradeSpec {
  @Default("RollingHandoff")
  @JsonPropertyDescription("RollingHandoff (default): new drivers start, sessions are handed over, old "
      + "drivers go when empty. BlueGreen: a whole new set first. Recreate: old drivers go first.")
  private UpgradeStrategy strategy = UpgradeStrategy.RollingHandoff;

  @Min(0)
  @Max(100)
  @Default("1")
  @JsonPropertyDescription("New drivers started above replicas during a rollout.")
  private Integer maxSurge = 1;

  @Min(0)
  @Max(100)
  @Default("0")
  @JsonPropertyDescription("Drivers that may be missing below replicas during a rollout.")
  private Integer maxUnavailable = 0;

  @Pattern(Patterns.DURATION)
  @Default("5m")
  @JsonPropertyDescription("How long a draining driver waits for a session's operations to finish before "
      + "the session is moved anyway; also the driver pod's termination grace period.")
  private String drainTimeout = "5m";

  @Pattern(Patterns.DURATION)
  @Default("10m")
  @JsonPropertyDescription("A rollout step that makes no progress for this long stops the rollout (and "
      + "rolls back when autoRollback is set).")
  private String progressDeadline = "10m";

  @Default("true")
  @JsonPropertyDescription("Return to the last good revision when a rollout fails.")
  private Boolean autoRollback = true;

  @Default("false")
  @JsonPropertyDescription("Pause the rollout where it stands: moves already started finish, no new step starts, "
      + "and paused time does not count toward progressDeadline.")
  private Boolean paused = false;

  @Min(1)
  @Max(1000)
  @Default("10")
  @JsonPropertyDescription("Driver revisions kept as ControllerRevisions (older ones are deleted; the current, "
      + "update and last stable revisions are always kept).")
  private Integer revisionHistoryLimit = 10;

  public Integer getRevisionHistoryLimit() {
    return revisionHistoryLimit;
  }

  public void setRevisionHistoryLimit(Integer revisionHistoryLimit) {
    this.revisionHistoryLimit = revisionHistoryLimit;
  }

  public UpgradeStrategy getStrategy() {
    return strategy;
  }

  public void setStrategy(UpgradeStrategy strategy) {
    this.strategy = strategy;
  }

  public Integer getMaxSurge() {
    return maxSurge;
  }

  public void setMaxSurge(Integer maxSurge) {
    this.maxSurge = maxSurge;
  }

  public Integer getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(Integer maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }

  public String getDrainTimeout() {
    return drainTimeout;
  }

  public void setDrainTimeout(String drainTimeout) {
    this.drainTimeout = drainTimeout;
  }

  public String getProgressDeadline() {
    return progressDeadline;
  }

  public void setProgressDeadline(String progressDeadline) {
    this.progressDeadline = progressDeadline;
  }

  public Boolean getAutoRollback() {
    return autoRollback;
  }

  public void setAutoRollback(Boolean autoRollback) {
    this.autoRollback = autoRollback;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }
}

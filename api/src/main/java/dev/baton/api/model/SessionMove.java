package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A move of a session from one driver to another, as far as it has gone. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SessionMove {
  @JsonPropertyDescription("The driver pod the session is moving from.")
  private String from;

  @JsonPropertyDescription("The driver pod the session is moving to (chosen when the freeze starts).")
  private String to;

  @JsonPropertyDescription("WaitingForQuiet, Freezing, Importing or Releasing: the step written before it is taken.")
  private MoveStep step;

  @JsonPropertyDescription("When the move began (drainTimeout counts from here).")
  private String since;

  @JsonPropertyDescription("Why the session moves, e.g. DriverDraining.")
  private String reason;

  public SessionMove() {}

  public SessionMove(String from, String to, MoveStep step, String since, String reason) {
    this.from = from;
    this.to = to;
    this.step = step;
    this.since = since;
    this.reason = reason;
  }

  /** The same move at another step (and target). */
  public SessionMove at(MoveStep next, String target) {
    return new SessionMove(from, target, next, since, reason);
  }

  public String getFrom() {
    return from;
  }

  public void setFrom(String from) {
    this.from = from;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public MoveStep getStep() {
    return step;
  }

  public void setStep(MoveStep step) {
    this.step = step;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionMove m && Objects.equals(from, m.from) && Objects.equals(to, m.to) && step == m.step
        && Objects.equals(since, m.since) && Objects.equals(reason, m.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(from, to, step, since);
  }

  @Override
  public String toString() {
    return "move " + from + " -> " + to + " at " + step + " since " + since;
  }
}

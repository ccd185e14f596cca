package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The latest rotation of a pool's tokens (requested with the annotation
 * {@code baton.dev/rotateTokensAt}). Drivers and sessions are kept: drivers accept the old and
 * new tokens together until no caller presents an old one.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TokenRotationStatus {
  @JsonPropertyDescription("The value of the baton.dev/rotateTokensAt annotation this rotation answers.")
  private String requested;

  @JsonPropertyDescription("Staging, Distributing, Switching, Retiring or Complete: written before the step is taken.")
  private TokenRotationStep step;

  @JsonPropertyDescription("When the step began (RFC 3339).")
  private String since;

  @JsonPropertyDescription("What the step waits for, when it waits.")
  private String message;

  public TokenRotationStatus() {}

  public TokenRotationStatus(String requested, TokenRotationStep step, String since, String message) {
    this.requested = requested;
    this.step = step;
    this.since = since;
    this.message = message;
  }

  public String getRequested() {
    return requested;
  }

  public void setRequested(String requested) {
    this.requested = requested;
  }

  public TokenRotationStep getStep() {
    return step;
  }

  public void setStep(TokenRotationStep step) {
    this.step = step;
  }

  public String getSince() {
    return since;
  }

  public void setSince(String since) {
    this.since = since;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenRotationStatus t && Objects.equals(requested, t.requested) && step == t.step
        && Objects.equals(since, t.since) && Objects.equals(message, t.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(requested, step, since);
  }

  @Override
  public String toString() {
    return "TokenRotationStatus[" + requested + ", " + step + " since " + since
        + (message == null ? "" : ": " + message) + "]";
  }
}

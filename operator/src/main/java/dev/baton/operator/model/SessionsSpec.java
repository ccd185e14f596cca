package dev.baton.operator.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How sessions are spread over the pool's drivers and how long idle ones live. */
public class SessionsSpec {
  @Min(1)
  @Max(10000)
  @Default("50")
  @JsonPropertyDescription("Sessions one driver holds at most; a full driver takes no new sessions.")
  private Integer maxPerDriver = 50;

  @Pattern(Patterns.DURATION)
  @Default("30m")
  @JsonPropertyDescription("A session with no call for this long is closed, unless its ClientSession says otherwise.")
  private String idleTimeout = "30m";

  public Integer getMaxPerDriver() {
    return maxPerDriver;
  }

  public void setMaxPerDriver(Integer maxPerDriver) {
    this.maxPerDriver = maxPerDriver;
  }

  public String getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(String idleTimeout) {
    this.idleTimeout = idleTimeout;
  }
}

package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How sessions are spread over the pool's drivers and how long idle ones live. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class SessionsSpec {
  @Min(1)
  @Max(10000)
  @Default("50")
  @JsonPropertyDescription("Sessions one driver holds at most; a full driver takes no new sessions.")
  private Integer maxPerDriver = 50;

  @Min(1)
  @Max(100000)
  @Default("20")
  @JsonPropertyDescription("Sessions one principal may open through the gateway in this pool; more are refused "
      + "RESOURCE_EXHAUSTED until one closes. Declared ClientSessions are not counted against it.")
  private Integer maxPerPrincipal = 20;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Sessions the pool holds in all before the gateway refuses to open more "
      + "(RESOURCE_EXHAUSTED). Unset: only the drivers' capacity (replicas x maxPerDriver) limits them; an open "
      + "that finds no room fails UNAVAILABLE after the gateway's holdTimeout.")
  private Integer maxTotal;

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

  public Integer getMaxPerPrincipal() {
    return maxPerPrincipal;
  }

  public void setMaxPerPrincipal(Integer maxPerPrincipal) {
    this.maxPerPrincipal = maxPerPrincipal;
  }

  public Integer getMaxTotal() {
    return maxTotal;
  }

  public void setMaxTotal(Integer maxTotal) {
    this.maxTotal = maxTotal;
  }

  public String getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(String idleTimeout) {
    this.idleTimeout = idleTimeout;
  }
}

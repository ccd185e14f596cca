package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Session defaults passed to every driver of the pool. Unset fields keep the driver's own defaults. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class EngineSpec {
  @Pattern(Patterns.QUANTITY)
  @JsonPropertyDescription("Default memory limit of a session's engine, e.g. 512Mi.")
  private String memoryLimit;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription("Default engine threads per session (1 to 64).")
  private Integer threads;

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("Default longest time an operation may work, e.g. 10m.")
  private String operationTimeout;

  @Pattern(Patterns.QUANTITY)
  @JsonPropertyDescription("Default bytes of unreleased results a session may hold on its driver, e.g. 64Mi.")
  private String resultBuffer;

  public String getMemoryLimit() {
    return memoryLimit;
  }

  public void setMemoryLimit(String memoryLimit) {
    this.memoryLimit = memoryLimit;
  }

  public Integer getThreads() {
    return threads;
  }

  public void setThreads(Integer threads) {
    this.threads = threads;
  }

  public String getOperationTimeout() {
    return operationTimeout;
  }

  public void setOperationTimeout(String operationTimeout) {
    this.operationTimeout = operationTimeout;
  }

  public String getResultBuffer() {
    return resultBuffer;
  }

  public void setResultBuffer(String resultBuffer) {
    this.resultBuffer = resultBuffer;
  }
}

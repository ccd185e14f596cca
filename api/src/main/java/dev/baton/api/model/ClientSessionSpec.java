package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a session is: its pool, owner, configuration and views. */
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "has(oldSelf.sessionId) == has(self.sessionId)",
    message = "sessionId cannot be added or removed")
public class ClientSessionSpec {
  @Required
  @Pattern(Patterns.DNS_LABEL)
  @Size(min = 1, max = 63)
  @ValidationRule(value = "self == oldSelf", message = "pool cannot be changed; create a new session instead")
  @JsonPropertyDescription("Name of the DriverPool, in the same namespace, that serves the session.")
  private String pool;

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(value = "self == oldSelf", message = "principal cannot be changed")
  @JsonPropertyDescription("The identity that owns the session: a user name or "
      + "system:serviceaccount:<namespace>:<name>. Only it may use the session.")
  private String principal;

  @Pattern(Patterns.CLIENT_SESSION_ID)
  @ValidationRule(value = "self == oldSelf", message = "sessionId cannot be changed")
  @JsonPropertyDescription("The id the session has on drivers when its client chose it (a Spark Connect "
      + "session id, a lowercase UUID); the ClientSession is then named sc-<sessionId>. Unset: the id is "
      + "cs-<uid of this object>, reported in status.sessionId.")
  private String sessionId;

  @Size(max = 256)
  @JsonPropertyDescription("Session configuration: engine keys (memory_limit, threads, operation_timeout, "
      + "result_buffer_bytes, spill_limit) and free-form user.* keys.")
  private Map<String, String> config = new LinkedHashMap<>();

  @Size(max = 256)
  @JsonPropertyDescription("Views defined when the session opens (and again wherever it moves).")
  private List<ViewSpec> views = new ArrayList<>();

  @Pattern(Patterns.DURATION)
  @JsonPropertyDescription("Close the session after this long without a call; default: the pool's sessions.idleTimeout.")
  private String idleTimeout;

  public String getPool() {
    return pool;
  }

  public void setPool(String pool) {
    this.pool = pool;
  }

  public String getPrincipal() {
    return principal;
  }

  public void setPrincipal(String principal) {
    this.principal = principal;
  }

  public String getSessionId() {
    return sessionId;
  }

  public void setSessionId(String sessionId) {
    this.sessionId = sessionId;
  }

  public Map<String, String> getConfig() {
    return config;
  }

  public void setConfig(Map<String, String> config) {
    this.config = config;
  }

  public List<ViewSpec> getViews() {
    return views;
  }

  public void setViews(List<ViewSpec> views) {
    this.views = views;
  }

  public String getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(String idleTimeout) {
    this.idleTimeout = idleTimeout;
  }
}

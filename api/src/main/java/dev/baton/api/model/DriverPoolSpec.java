package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** What the user wants of a pool. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class DriverPoolSpec {
  @SpecReplicas
  @Min(0)
  @Max(100)
  @Default("2")
  @JsonPropertyDescription("Number of drivers in the pool (0 to 100). `kubectl scale` changes it; scaling "
      + "down moves the sessions of the removed drivers to the remaining ones first.")
  private Integer replicas = 2;

  @Required
  @JsonPropertyDescription("The driver the pool runs. A change of these fields is a new revision.")
  private DriverSpec driver;

  @Default("{}")
  @JsonPropertyDescription("Session placement and lifetime.")
  private SessionsSpec sessions = new SessionsSpec();

  @Default("{}")
  @JsonPropertyDescription("How a new revision replaces the old drivers.")
  private UpgradeSpec upgrade = new UpgradeSpec();

  @Default("{}")
  @JsonPropertyDescription("The gateway in front of the pool: the address clients use.")
  private GatewaySpec gateway = new GatewaySpec();

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public DriverSpec getDriver() {
    return driver;
  }

  public void setDriver(DriverSpec driver) {
    this.driver = driver;
  }

  public SessionsSpec getSessions() {
    return sessions;
  }

  public void setSessions(SessionsSpec sessions) {
    this.sessions = sessions;
  }

  public UpgradeSpec getUpgrade() {
    return upgrade;
  }

  public void setUpgrade(UpgradeSpec upgrade) {
    this.upgrade = upgrade;
  }

  public GatewaySpec getGateway() {
    return gateway;
  }

  public void setGateway(GatewaySpec gateway) {
    this.gateway = gateway;
  }
}

package dev.baton.operator.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The gateway in front of a pool. */
public class GatewaySpec {
  /** Kubernetes Service types the pool's Service may have. */
  public enum ServiceType { ClusterIP, NodePort, LoadBalancer }

  @Min(0)
  @Max(20)
  @Default("2")
  @JsonPropertyDescription("Gateway replicas (0 to 20).")
  private Integer replicas = 2;

  @Default("ClusterIP")
  @JsonPropertyDescription("Type of the pool's Service: ClusterIP, NodePort or LoadBalancer.")
  private ServiceType serviceType = ServiceType.ClusterIP;

  @Min(1)
  @Max(65535)
  @Default("15002")
  @JsonPropertyDescription("Port of the pool's Service.")
  private Integer port = 15002;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public ServiceType getServiceType() {
    return serviceType;
  }

  public void setServiceType(ServiceType serviceType) {
    this.serviceType = serviceType;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }
}

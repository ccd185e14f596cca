package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** The gateway in front of a pool. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class GatewaySpec {
  /** Kubernetes Service types the pool's Service may have. */
  public enum ServiceType { ClusterIP, NodePort, LoadBalancer }

  @Min(0)
  @Max(20)
  @Default("2")
  @JsonPropertyDescription("Gateway replicas (0 to 20). The pool's Service selects them.")
  private Integer replicas = 2;

  @Default("ClusterIP")
  @JsonPropertyDescription("Type of the pool's Service: ClusterIP, NodePort or LoadBalancer.")
  private ServiceType serviceType = ServiceType.ClusterIP;

  @Min(1)
  @Max(65535)
  @Default("15002")
  @JsonPropertyDescription("Port of the pool's Service.")
  private Integer port = 15002;

  @Pattern(Patterns.IMAGE)
  @JsonPropertyDescription("Gateway image. Unset: the image the operator was installed with "
      + "(its BATON_GATEWAY_IMAGE).")
  private String image;

  @JsonPropertyDescription("CPU and memory of each gateway replica.")
  private ResourceRequirements resources;

  @Pattern(Patterns.DNS_LABEL)
  @JsonPropertyDescription("Secret of static bearer tokens in the pool's namespace: each key is a name, its value "
      + "that name's token; the principal it proves is token:<name>. Unset: only Kubernetes tokens (TokenReview) "
      + "are accepted.")
  private String tokenSecret;

  @Pattern(Patterns.DNS_LABEL)
  @JsonPropertyDescription("Secret (type kubernetes.io/tls: tls.crt and tls.key in PEM, the key as PKCS#8) whose "
      + "certificate the gateway serves: set, the gateway speaks TLS only, for every protocol (Spark Connect "
      + "clients send tokens only over TLS). A renewed certificate is served without a restart. Unset: plaintext.")
  private String tlsSecret;

  @Size(max = 16)
  @ValidationRule(value = "self.all(s, s != 'baton.v1.DriverControl')",
      message = "baton.v1.DriverControl is reachable by the operator only and cannot be forwarded",
      reason = "FieldValueForbidden")
  @JsonPropertyDescription("gRPC services the gateway forwards to drivers (full names, e.g. "
      + "baton.v1.SessionService). Unset: baton.v1.SessionService and grpc.health.v1.Health. Calls to any other "
      + "service are refused UNIMPLEMENTED; baton.v1.DriverControl is never forwarded.")
  private List<String> services;

  @Size(max = 32)
  @JsonPropertyDescription("Audiences a Kubernetes token must be valid for (TokenReview spec.audiences), e.g. "
      + "baton.dev. Unset: the API server's own audience, so clients can use ordinary ServiceAccount tokens.")
  private List<String> tokenAudiences;

  @Pattern(Patterns.QUANTITY)
  @Default("16Mi")
  @JsonPropertyDescription("Largest request message a client may send through the gateway; larger ones fail "
      + "RESOURCE_EXHAUSTED. Plans are small; raise it only for very large literal lists.")
  private String maxRequestSize = "16Mi";

  @Pattern(Patterns.DURATION)
  @Default("30s")
  @JsonPropertyDescription("How long a call for a session that is being moved waits for it before failing "
      + "UNAVAILABLE with a retry delay.")
  private String holdTimeout = "30s";

  @Pattern(Patterns.DURATION)
  @Default("10m")
  @JsonPropertyDescription("Client connections older than this are asked to reconnect, so clients spread "
      + "over all gateway replicas; the SDK reconnects and reattaches without losing an operation.")
  private String maxConnectionAge = "10m";

  @Pattern(Patterns.DURATION)
  @Default("1m")
  @JsonPropertyDescription("How long calls on a retired connection may still run before it is closed.")
  private String maxConnectionAgeGrace = "1m";

  public List<String> getServices() {
    return services;
  }

  public void setServices(List<String> services) {
    this.services = services;
  }

  public List<String> getTokenAudiences() {
    return tokenAudiences;
  }

  public void setTokenAudiences(List<String> tokenAudiences) {
    this.tokenAudiences = tokenAudiences;
  }

  public String getMaxRequestSize() {
    return maxRequestSize;
  }

  public void setMaxRequestSize(String maxRequestSize) {
    this.maxRequestSize = maxRequestSize;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public String getTlsSecret() {
    return tlsSecret;
  }

  public void setTlsSecret(String tlsSecret) {
    this.tlsSecret = tlsSecret;
  }

  public String getTokenSecret() {
    return tokenSecret;
  }

  public void setTokenSecret(String tokenSecret) {
    this.tokenSecret = tokenSecret;
  }

  public String getHoldTimeout() {
    return holdTimeout;
  }

  public void setHoldTimeout(String holdTimeout) {
    this.holdTimeout = holdTimeout;
  }

  public String getMaxConnectionAge() {
    return maxConnectionAge;
  }

  public void setMaxConnectionAge(String maxConnectionAge) {
    this.maxConnectionAge = maxConnectionAge;
  }

  public String getMaxConnectionAgeGrace() {
    return maxConnectionAgeGrace;
  }

  public void setMaxConnectionAgeGrace(String maxConnectionAgeGrace) {
    this.maxConnectionAgeGrace = maxConnectionAgeGrace;
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

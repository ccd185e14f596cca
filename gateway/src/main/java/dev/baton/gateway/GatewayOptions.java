package dev.baton.gateway;

import java.time.Duration;

/**
 * How a gateway listens and behaves.
 *
 * @param host address to bind
 * @param port port to bind (0: any free one)
 * @param hold how long a call for a session being moved waits before UNAVAILABLE + RetryInfo
 * @param maxConnectionAge after this, a client connection is asked to go (GOAWAY) so clients
 *     spread over replicas again; null keeps connections forever
 * @param maxConnectionAgeGrace how long calls still running on such a connection may finish
 *     before it is closed; the SDK reattaches to what was cut
 * @param sessionToken the pool's session-API token, sent to drivers with every call; null when
 *     the drivers require none. It opens the session API only, never DriverControl.
 * @param services the services forwarded to drivers
 * @param maxRequestBytes the largest request message a client may send (RESOURCE_EXHAUSTED above)
 * @param maxConcurrentCalls calls being authenticated, routed or held at once; more are
 *     RESOURCE_EXHAUSTED (calls already forwarded do not count)
 * @param quota how many sessions OpenSession may open, per principal and in all
 * @param tls the certificate clients see (TLS for every protocol); null serves plaintext
 */
public record GatewayOptions(String host, int port, Duration hold, Duration maxConnectionAge,
    Duration maxConnectionAgeGrace, String sessionToken, ServiceAllowList services, int maxRequestBytes,
    int maxConcurrentCalls, SessionQuota quota, io.grpc.ServerCredentials tls) {

  public static final int DEFAULT_MAX_REQUEST_BYTES = 16 << 20;
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 1024;

  public static GatewayOptions local(Duration hold) {
    return new GatewayOptions("127.0.0.1", 0, hold, null, null, null, ServiceAllowList.defaults(),
        DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_CONCURRENT_CALLS, SessionQuota.NONE, null);
  }

  public GatewayOptions withSessionToken(String token) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, token, services,
        maxRequestBytes, maxConcurrentCalls, quota, tls);
  }

  public GatewayOptions withConnectionAge(Duration age, Duration grace) {
    return new GatewayOptions(host, port, hold, age, grace, sessionToken, services, maxRequestBytes,
        maxConcurrentCalls, quota, tls);
  }

  public GatewayOptions withLimits(int maxRequestBytes, int maxConcurrentCalls) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, sessionToken, services,
        maxRequestBytes, maxConcurrentCalls, quota, tls);
  }

  public GatewayOptions withQuota(SessionQuota quota) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, sessionToken, services,
        maxRequestBytes, maxConcurrentCalls, quota, tls);
  }

  public GatewayOptions withTls(io.grpc.ServerCredentials tls) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, sessionToken, services,
        maxRequestBytes, maxConcurrentCalls, quota, tls);
  }

  public GatewayOptions withServices(ServiceAllowList services) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, sessionToken, services,
        maxRequestBytes, maxConcurrentCalls, quota, tls);
  }
}

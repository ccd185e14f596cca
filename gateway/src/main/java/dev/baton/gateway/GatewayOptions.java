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
 * @param controlToken the pool's control token, sent to drivers with every call; null when the
 *     drivers require none
 */
public record GatewayOptions(String host, int port, Duration hold, Duration maxConnectionAge,
    Duration maxConnectionAgeGrace, String controlToken) {

  public static GatewayOptions local(Duration hold) {
    return new GatewayOptions("127.0.0.1", 0, hold, null, null, null);
  }

  public GatewayOptions withControlToken(String token) {
    return new GatewayOptions(host, port, hold, maxConnectionAge, maxConnectionAgeGrace, token);
  }

  public GatewayOptions withConnectionAge(Duration age, Duration grace) {
    return new GatewayOptions(host, port, hold, age, grace, controlToken);
  }
}

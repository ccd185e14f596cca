package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ChannelPruningTest {
  @Test
  void channelsToDriversNoSessionIsRoutedToAreClosedAndOthersKept() throws Exception {
    Map<String, Route> routes = new ConcurrentHashMap<>();
    routes.put("s1", new Route("s1", "ns", "cs1", "alice", "Bound", "127.0.0.1:1"));
    try (GatewayServer gateway = new GatewayServer(Routes.fixed(routes), null, token -> Optional.of("alice"),
        GatewayOptions.local(Duration.ofSeconds(1)))) {
      ManagedChannel kept = gateway.channel("127.0.0.1:1");
      ManagedChannel left = gateway.channel("127.0.0.1:2"); // the session moved away from this driver
      gateway.pruneChannels();
      assertThat(gateway.channelEndpoints()).containsExactly("127.0.0.1:1");
      assertThat(left.isShutdown()).isTrue();
      assertThat(kept.isShutdown()).isFalse();
      assertThat(gateway.channel("127.0.0.1:2")).as("a later call opens a new one").isNotSameAs(left);
    }
  }
}

package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The authenticator when the API server cannot be asked: the caller may retry, nothing is cached. */
class AuthenticatorTest {
  @Test
  void anUnreachableApiServerIsUnavailableAndNeverCachedAsDenied() {
    Config config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(2000).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      Authenticator auth = new Authenticator(client, "ns", "tokens", Duration.ofMinutes(5), List.of());
      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(() -> auth.principal("some-token"))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("retry");
            });
      }
      assertThat(auth.cachedTokens()).as("a failure to ask is not an answer").isZero();
      assertThat(auth.principal(null)).isEmpty();
    }
  }
}

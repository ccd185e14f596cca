package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  @Test
  void theSessionTokenInUseIsPublishedAsAFingerprintAndReplacedWhenItChanges() {
    GatewayMetrics metrics = new GatewayMetrics();
    metrics.sessionTokenInUse("0123456789ab");
    metrics.sessionTokenInUse("ba9876543210");
    String scrape = metrics.scrape();
    assertThat(scrape).contains("baton_gateway_session_token{sha256_prefix=\"ba9876543210\"} 1.0")
        .doesNotContain("0123456789ab");
  }
}

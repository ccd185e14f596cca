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

  @Test
  void methodNamesACallerMakesUpAreRecordedAsOtherSoTheyAddNoSeries() {
    assertThat(GatewayMetrics.methodTag("baton.v1.SessionService/ExecutePlan")).isEqualTo("baton.v1.SessionService/ExecutePlan");
    assertThat(GatewayMetrics.methodTag("spark.connect.SparkConnectService/ExecutePlan"))
        .isEqualTo("spark.connect.SparkConnectService/ExecutePlan");
    assertThat(GatewayMetrics.methodTag("grpc.health.v1.Health/Check")).isEqualTo("grpc.health.v1.Health/Check");
    assertThat(GatewayMetrics.methodTag("baton.v1.SessionService/Made-Up-" + System.nanoTime())).isEqualTo("other");
  }

  @Test
  void theSparkMethodsRecordedByNameAreExactlyThoseOfTheSparkConnectProtocol() {
    assertThat(org.apache.spark.connect.proto.SparkConnectServiceGrpc.getServiceDescriptor().getMethods())
        .extracting(m -> m.getBareMethodName())
        .containsExactlyInAnyOrderElementsOf(GatewayMetrics.SPARK_METHODS);
  }
}

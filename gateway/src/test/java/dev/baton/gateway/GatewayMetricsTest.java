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

  @Test
  void aCallTheClientCancelsBeforeTheGatewayClosesItIsNoLongerCountedAsOpen() throws Exception {
    GatewayMetrics metrics = new GatewayMetrics();
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    io.grpc.MethodDescriptor<byte[], byte[]> method = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("baton.v1.SessionService/GetConfig")
        .setRequestMarshaller(Bytes.MARSHALLER).setResponseMarshaller(Bytes.MARSHALLER).build();
    String name = io.grpc.inprocess.InProcessServerBuilder.generateName();
    // A handler that never closes its call, as the gateway does when the client leaves while it is
    // being routed.
    io.grpc.Server server = io.grpc.inprocess.InProcessServerBuilder.forName(name).directExecutor()
        .addService(io.grpc.ServerServiceDefinition.builder("baton.v1.SessionService")
            .addMethod(method, (call, headers) -> {
              metrics.track(call);
              started.countDown();
              return new io.grpc.ServerCall.Listener<>() {};
            }).build())
        .build().start();
    io.grpc.ManagedChannel channel = io.grpc.inprocess.InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      io.grpc.ClientCall<byte[], byte[]> call = channel.newCall(method, io.grpc.CallOptions.DEFAULT);
      call.start(new io.grpc.ClientCall.Listener<>() {}, new io.grpc.Metadata());
      call.sendMessage(new byte[0]);
      call.halfClose();
      started.await();
      assertThat(metrics.scrape()).contains("baton_gateway_open_calls 1.0");
      call.cancel("the client leaves", null);
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (!metrics.scrape().contains("baton_gateway_open_calls 0.0") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(metrics.scrape()).contains("baton_gateway_open_calls 0.0");
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}

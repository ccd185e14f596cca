package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A driver given both tokens serves the session API only to holders of the session token (the
 * gateway, the operator) and DriverControl only to holders of the control token (the operator):
 * the gateway's credential cannot export, import or drain. Health probes need neither.
 */
class CallerTokensIT {
  private static final String CONTROL = "c0ntrol-only-the-operator";
  private static final String SESSION = "s3ssion-gateway-and-operator";
  private static TestDriver driver;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    driver = TestDriver.start(Map.of("BATON_CONTROL_TOKEN", CONTROL, "BATON_SESSION_TOKEN", SESSION));
    channel = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    driver.close();
  }

  private static Metadata header(String name, String value) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return m;
  }

  private static DriverControlGrpc.DriverControlBlockingStub control(String header, String token) {
    return DriverControlGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header(header, token)));
  }

  private static void refusedSession(String header, String token) {
    assertThatThrownBy(() -> {
      var b = Baton.builder().target(driver.target()).principal("alice").retryPolicy(RetryPolicy.none());
      if (header != null) {
        b.header(header, token);
      }
      try (Session s = b.connect()) {
        s.range(0, 10).count();
      }
    }).isInstanceOfSatisfying(BatonException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getMessage()).contains("only its pool's gateway and the operator");
    });
  }

  @Test
  void theSessionApiNeedsTheSessionTokenAndNothingElse() {
    refusedSession(null, null);
    refusedSession("baton-session-token", SESSION + "x");
    refusedSession("baton-control-token", CONTROL);
    refusedSession("baton-session-token", CONTROL);
    assertThat(driver.server().registry().all()).as("nothing was opened").isEmpty();
    try (Session s = Baton.builder().target(driver.target()).principal("alice")
        .header("baton-session-token", SESSION).connect()) {
      assertThat(s.range(0, 10).count()).isEqualTo(10);
    }
  }

  @Test
  void driverControlNeedsTheControlTokenSoTheGatewaysCredentialCannotExportOrDrain() {
    try (Session s = Baton.builder().target(driver.target()).principal("alice")
        .header("baton-session-token", SESSION).connect()) {
      s.sql("CREATE TABLE secrets AS SELECT 42 AS answer").collect();
      for (Metadata.Key<String> key : new Metadata.Key[] {
          Metadata.Key.of("baton-session-token", Metadata.ASCII_STRING_MARSHALLER),
          Metadata.Key.of("baton-control-token", Metadata.ASCII_STRING_MARSHALLER)}) {
        var stub = control(key.name(), SESSION);
        assertThatThrownBy(() -> stub.exportSession(ExportSessionRequest.newBuilder().setSessionId(s.id()).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription()).contains("DriverControl serves only the operator");
            });
        assertThatThrownBy(() -> stub.drain(DrainRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      }
      var operator = control("baton-control-token", CONTROL);
      assertThat(operator.status(StatusRequest.getDefaultInstance()).getState())
          .as("the refused Drain changed nothing").isEqualTo(dev.baton.proto.v1.StatusResponse.State.ACCEPTING);
      assertThat(operator.exportSession(ExportSessionRequest.newBuilder().setSessionId(s.id()).build())
          .getTablesCount()).isEqualTo(1);
    }
  }

  @Test
  void healthProbesNeedNoToken() {
    assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}

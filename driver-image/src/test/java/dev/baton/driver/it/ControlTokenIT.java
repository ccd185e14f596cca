package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.StatusRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A driver given a control token serves only callers that present it; probes stay open. */
class ControlTokenIT {
  private static final String TOKEN = "s3cr3t-pool-token";

  @Test
  void callsWithoutTheTokenAreRefusedAndProbesStillWork() throws Exception {
    try (TestDriver driver = TestDriver.start(Map.of("BATON_CONTROL_TOKEN", TOKEN))) {
      for (String presented : new String[] {null, "s3cr3t-pool-tokeX"}) {
        assertThatThrownBy(() -> {
          var b = Baton.builder().target(driver.target()).principal("alice").retryPolicy(RetryPolicy.none());
          if (presented != null) {
            b.header("baton-control-token", presented);
          }
          try (Session s = b.connect()) {
            s.range(0, 10).count();
          }
        }).isInstanceOfSatisfying(BatonException.class, e -> {
          assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getMessage()).contains("only its pool's gateway and the operator");
        });
      }
      assertThatThrownBy(() -> driver.control().status(StatusRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      assertThat(driver.server().registry().all()).as("nothing was opened").isEmpty();

      try (Session s = Baton.builder().target(driver.target()).principal("alice")
          .header("baton-control-token", TOKEN).connect()) {
        assertThat(s.range(0, 10).count()).isEqualTo(10);
      }
      ManagedChannel ch = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
      try {
        assertThat(HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(DriverControlGrpc.newBlockingStub(ch).withInterceptors(io.grpc.stub.MetadataUtils
            .newAttachHeadersInterceptor(tokenHeader())).status(StatusRequest.getDefaultInstance()).getVersion())
            .isEqualTo("test");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  private static io.grpc.Metadata tokenHeader() {
    io.grpc.Metadata m = new io.grpc.Metadata();
    m.put(io.grpc.Metadata.Key.of("baton-control-token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), TOKEN);
    return m;
  }
}

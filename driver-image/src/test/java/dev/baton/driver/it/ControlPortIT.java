package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A driver with a control port (as every pool driver has): its main port takes no request larger
 * than the session API's limit, whoever sends it, so a holder of the session token cannot make it
 * buffer a 512 MiB frame; only the control port, which serves DriverControl alone behind the
 * control token, takes a large snapshot.
 */
class ControlPortIT {
  private static final String CONTROL = "control-token-of-the-operator-0001";
  private static final String SESSION = "session-token-of-the-gateway-0001";
  private static TestDriver driver;
  private static ManagedChannel mainChannel;
  private static ManagedChannel controlChannel;

  @BeforeAll
  static void start() throws Exception {
    driver = TestDriver.start(Map.of("BATON_CONTROL_TOKEN", CONTROL, "BATON_SESSION_TOKEN", SESSION,
        "BATON_CONTROL_PORT", "0", "BATON_MAX_REQUEST_BYTES", "4MiB"));
    mainChannel = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().maxInboundMessageSize(512 << 20)
        .build();
    controlChannel = NettyChannelBuilder.forAddress("127.0.0.1", driver.server().controlPort()).usePlaintext()
        .maxInboundMessageSize(512 << 20).build();
  }

  @AfterAll
  static void stop() throws Exception {
    mainChannel.shutdownNow();
    controlChannel.shutdownNow();
    driver.close();
  }

  private static DriverControlGrpc.DriverControlBlockingStub control(ManagedChannel channel, String header,
      String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER), token);
    return DriverControlGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
  }

  @Test
  void aLargeSnapshotIsTakenOnTheControlPortOnlyAndTheMainPortRefusesLargeFramesFromAnyone() {
    SessionSnapshot snapshot;
    try (Session s = Baton.builder().target(driver.target()).principal("alice").header("baton-session-token", SESSION)
        .connect()) {
      s.sql("CREATE TABLE wide AS SELECT repeat('x', 1000) AS s FROM range(8000)").collect();
      snapshot = control(controlChannel, "baton-control-token", CONTROL)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(s.id()).build());
    }
    assertThat(snapshot.getSerializedSize()).as("larger than the 4 MiB request limit").isGreaterThan(4 << 20);
    SessionSnapshot copy = snapshot.toBuilder().setSessionId(UUID.randomUUID().toString()).build();

    assertThatThrownBy(() -> control(mainChannel, "baton-control-token", CONTROL).importSession(copy))
        .as("the main port takes no large frame, even with the control token")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThatThrownBy(() -> control(controlChannel, "baton-session-token", SESSION).importSession(copy))
        .as("the gateway's token opens nothing on the control port")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(control(controlChannel, "baton-control-token", CONTROL).importSession(copy).getSessionId())
        .isEqualTo(copy.getSessionId());

    String big = "SELECT '" + "y".repeat(5 << 20) + "' AS s";
    try (Session s = Baton.builder().target(driver.target()).principal("alice").header("baton-session-token", SESSION)
        .retryPolicy(RetryPolicy.none()).connect()) {
      assertThatThrownBy(() -> s.sql(big).collect()).isInstanceOfSatisfying(BatonException.class,
          e -> assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      assertThat(s.range(0, 3).count()).as("the driver and the session keep serving").isEqualTo(3);
    }
  }

  @Test
  void theControlPortServesDriverControlAndTheSessionApiBehindTheirTokensAndTheMainPortStillAnswersControlCalls()
      throws Exception {
    var status = control(controlChannel, "baton-control-token", CONTROL).status(StatusRequest.getDefaultInstance());
    assertThat(status.getVersion()).isEqualTo("test");
    assertThat(status.getControlPort()).as("Status names the control port")
        .isEqualTo(driver.server().controlPort());
    assertThat(control(mainChannel, "baton-control-token", CONTROL).status(StatusRequest.getDefaultInstance())
        .getVersion()).as("an operator that does not know the control port").isEqualTo("test");
    // The operator opens declared sessions there (on a Spark driver the main port is Spark's own).
    try (Session s = Baton.builder().target("127.0.0.1:" + driver.server().controlPort()).principal("alice")
        .header("baton-session-token", SESSION).retryPolicy(RetryPolicy.none()).connect()) {
      assertThat(s.range(0, 3).count()).isEqualTo(3);
    }
    assertThatThrownBy(() -> {
      try (Session s = Baton.builder().target("127.0.0.1:" + driver.server().controlPort()).principal("alice")
          .header("baton-session-token", "not-the-session-token").retryPolicy(RetryPolicy.none()).connect()) {
        s.range(0, 1).count();
      }
    }).as("the session API there still demands the session token").isInstanceOfSatisfying(BatonException.class,
        e -> assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }
}

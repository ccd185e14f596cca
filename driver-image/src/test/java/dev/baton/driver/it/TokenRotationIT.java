package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.SetTokensRequest;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DriverControl.SetTokens, the driver's part of rotating a pool's tokens: the driver accepts the
 * old and the new tokens together, then the new ones alone, while its sessions keep working, and
 * it refuses lists that would lock the operator out or are malformed.
 */
class TokenRotationIT {
  private static final String OLD_CONTROL = "old-control-token-0123456789";
  private static final String OLD_SESSION = "old-session-token-0123456789";
  private static final String NEW_CONTROL = "new-control-token-9876543210";
  private static final String NEW_SESSION = "new-session-token-9876543210";
  private TestDriver driver;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    driver = TestDriver.start(Map.of("BATON_CONTROL_TOKEN", OLD_CONTROL, "BATON_SESSION_TOKEN", OLD_SESSION));
    channel = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    driver.close();
  }

  private DriverControlGrpc.DriverControlBlockingStub control(String token) {
    Metadata m = new Metadata();
    m.put(dev.baton.proto.v1.Headers.CONTROL_TOKEN, token);
    return DriverControlGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
  }

  private Session connect(String sessionToken) {
    return Baton.builder().target(driver.target()).principal("alice").retryPolicy(RetryPolicy.none())
        .header("baton-session-token", sessionToken).connect();
  }

  private static SetTokensRequest tokens(List<String> control, List<String> session) {
    return SetTokensRequest.newBuilder().addAllControlTokens(control).addAllSessionTokens(session).build();
  }

  private static void assertCode(Runnable call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  @Test
  void aRotationKeepsTheSessionAndEndsWithOnlyTheNewTokensAccepted() throws Exception {
    Session opened = connect(OLD_SESSION);
    try {
      opened.sql("CREATE TABLE kept AS SELECT 7 AS v").collect();
      assertThat(control(OLD_CONTROL).status(StatusRequest.getDefaultInstance()).getRetiringTokensAccepted()).isFalse();

      // Step 1: both accepted, the old ones retiring.
      control(OLD_CONTROL).setTokens(tokens(List.of(NEW_CONTROL, OLD_CONTROL), List.of(NEW_SESSION, OLD_SESSION)));
      StatusResponse both = control(NEW_CONTROL).status(StatusRequest.getDefaultInstance());
      assertThat(both.getRetiringTokensAccepted()).isTrue();
      assertThat(opened.sql("SELECT v FROM kept").count()).as("the old session token still works").isEqualTo(1);
      Thread.sleep(300);
      long idle = control(NEW_CONTROL).status(StatusRequest.getDefaultInstance()).getRetiringTokensIdleMs();
      assertThat(idle).as("idle counts from the last use of a retiring token").isBetween(250L, 5_000L);
      control(OLD_CONTROL).status(StatusRequest.getDefaultInstance());
      assertThat(control(NEW_CONTROL).status(StatusRequest.getDefaultInstance()).getRetiringTokensIdleMs())
          .as("presenting the old control token resets the idle time").isLessThan(idle);

      // Step 2: only the new ones.
      control(NEW_CONTROL).setTokens(tokens(List.of(NEW_CONTROL), List.of(NEW_SESSION)));
      assertCode(() -> control(OLD_CONTROL).status(StatusRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED);
      assertThatThrownBy(() -> opened.sql("SELECT v FROM kept").count())
          .isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAUTHENTICATED));
      StatusResponse after = control(NEW_CONTROL).status(StatusRequest.getDefaultInstance());
      assertThat(after.getRetiringTokensAccepted()).isFalse();
      assertThat(after.getSessions()).as("the session stayed open").isEqualTo(1);
      try (Session again = Baton.builder().target(driver.target()).principal("alice").attach(opened.id())
          .header("baton-session-token", NEW_SESSION).retryPolicy(RetryPolicy.none()).connect()) {
        assertThat(again.sql("SELECT v FROM kept").count()).as("the same session, with the new token").isEqualTo(1);
      }
    } finally {
      assertThatThrownBy(opened::close).as("closing with the retired token is refused too")
          .isInstanceOf(BatonException.class);
    }
  }

  @Test
  void setTokensRefusesAListThatLocksTheCallerOutOrIsMalformed() {
    var operator = control(OLD_CONTROL);
    assertCode(() -> operator.setTokens(tokens(List.of(NEW_CONTROL), List.of(NEW_SESSION))),
        Status.Code.FAILED_PRECONDITION);
    assertCode(() -> operator.setTokens(tokens(List.of(), List.of(NEW_SESSION))), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> operator.setTokens(tokens(List.of(OLD_CONTROL), List.of())), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> operator.setTokens(tokens(List.of(OLD_CONTROL, NEW_CONTROL, "third-token-0123456789"),
        List.of(NEW_SESSION))), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> operator.setTokens(tokens(List.of(OLD_CONTROL), List.of("short"))), Status.Code.INVALID_ARGUMENT);
    assertCode(() -> control(OLD_SESSION).setTokens(tokens(List.of(OLD_SESSION), List.of(OLD_SESSION))),
        Status.Code.UNAUTHENTICATED);
    assertThat(operator.status(StatusRequest.getDefaultInstance()).getRetiringTokensAccepted())
        .as("nothing was changed by a refused call").isFalse();
    try (Session s = connect(OLD_SESSION)) {
      assertThat(s.range(0, 3).count()).isEqualTo(3);
    }
  }
}

package dev.baton.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0,
      Duration.ofMinutes(1));

  @Test
  void backoffGrowsAndIsCapped() {
    Throwable plain = Status.UNAVAILABLE.asRuntimeException();
    assertThat(policy.backoff(1, plain)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(policy.backoff(3, plain)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(policy.backoff(30, plain)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @Test
  void serverRetryInfoIsHonouredWhenLonger() {
    Throwable withDelay = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE).setMessage("session moving")
        .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(
            com.google.protobuf.Duration.newBuilder().setSeconds(3)).build())).build());
    assertThat(policy.backoff(1, withDelay)).isEqualTo(Duration.ofSeconds(3));
    assertThat(RetryPolicy.isRetryable(withDelay)).isTrue();
  }

  @Test
  void onlyUnavailableAndAConnectionClosedUnderTheCallAreRetried() {
    assertThat(RetryPolicy.isRetryable(Status.UNAVAILABLE.asRuntimeException())).isTrue();
    // What grpc-netty reports when a write meets a connection that has just closed.
    assertThat(RetryPolicy.isRetryable(Status.UNKNOWN.withDescription("channel closed")
        .withCause(new java.nio.channels.ClosedChannelException()).asRuntimeException())).isTrue();
    assertThat(RetryPolicy.isRetryable(Status.UNKNOWN.withDescription("channel closed").asRuntimeException()))
        .as("an UNKNOWN from a server, whatever its text").isFalse();
    assertThat(RetryPolicy.isRetryable(Status.UNKNOWN.withCause(new IllegalStateException()).asRuntimeException()))
        .isFalse();
    assertThat(RetryPolicy.isRetryable(Status.INVALID_ARGUMENT.asRuntimeException())).isFalse();
    assertThat(RetryPolicy.isRetryable(Status.PERMISSION_DENIED.asRuntimeException())).isFalse();
    assertThat(RetryPolicy.isRetryable(new RuntimeException())).isFalse();
  }
}

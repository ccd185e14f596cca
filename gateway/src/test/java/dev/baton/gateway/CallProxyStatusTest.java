package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class CallProxyStatusTest {
  @Test
  void aDriverConnectionClosedUnderTheCallReachesTheClientAsUnavailable() {
    Status closed = Status.UNKNOWN.withDescription("channel closed").withCause(new ClosedChannelException());
    assertThat(CallProxy.forClient(closed).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void theDriversOwnStatusesPassUnchanged() {
    Status driverUnknown = Status.UNKNOWN.withDescription("channel closed");
    assertThat(CallProxy.forClient(driverUnknown)).isSameAs(driverUnknown);
    Status invalid = Status.INVALID_ARGUMENT.withDescription("bad plan");
    assertThat(CallProxy.forClient(invalid)).isSameAs(invalid);
  }
}

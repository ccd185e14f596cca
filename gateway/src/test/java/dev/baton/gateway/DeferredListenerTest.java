package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ServerCall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeferredListenerTest {
  @Test
  void aHalfCloseAndACancelBeforeTheRouteIsDecidedReachTheListenerOnceAttachedInOrder() {
    DeferredListener<byte[]> deferred = new DeferredListener<>(new GatewayMetrics());
    deferred.onHalfClose(); // a client that sends headers and END_STREAM, no message
    deferred.onCancel();
    List<String> seen = new ArrayList<>();
    deferred.attach(new ServerCall.Listener<>() {
      @Override
      public void onHalfClose() {
        seen.add("half-close");
      }

      @Override
      public void onCancel() {
        seen.add("cancel");
      }
    });
    assertThat(seen).containsExactly("half-close", "cancel");
    deferred.onReady();
    assertThat(seen).hasSize(2);
  }
}

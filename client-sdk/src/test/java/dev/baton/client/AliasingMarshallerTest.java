package dev.baton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.ArrowBatch;
import dev.baton.proto.v1.ExecutePlanResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
  private final AliasingMarshaller<ExecutePlanResponse> marshaller =
      new AliasingMarshaller<>(ExecutePlanResponse.getDefaultInstance());

  @Test
  void aResponseReadsBackEqualItsBatchIsASliceOfTheMessageNotACopyAndReadsInBulk() throws Exception {
    byte[] data = new byte[3 << 20];
    new java.util.Random(7).nextBytes(data);
    ExecutePlanResponse sent = ExecutePlanResponse.newBuilder().setSessionId("s").setIndex(41)
        .setBatch(ArrowBatch.newBuilder().setData(ByteString.copyFrom(data)).setRowCount(9)).build();

    ExecutePlanResponse received = marshaller.parse(marshaller.stream(sent));

    assertThat(received).isEqualTo(sent);
    // A slice of the message's array, not a copy of it (protobuf's copies are LiteralByteStrings).
    assertThat(received.getBatch().getData().getClass().getSimpleName()).isEqualTo("BoundedByteString");
    ByteBuffer into = ByteBuffer.allocate(data.length + 1);
    try (ByteStringChannel channel = new ByteStringChannel(received.getBatch().getData())) {
      assertThat(channel.read(into)).isEqualTo(data.length);
      assertThat(channel.read(into)).as("then the end").isEqualTo(-1);
    }
    assertThat(into.flip()).isEqualTo(ByteBuffer.wrap(data));
  }

  @Test
  void aBrokenMessageIsInternalNotAnUncheckedParseError() {
    assertThatThrownBy(() -> marshaller.parse(new ByteArrayInputStream(new byte[] {0x0a, 0x7f, 0x01})))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }
}

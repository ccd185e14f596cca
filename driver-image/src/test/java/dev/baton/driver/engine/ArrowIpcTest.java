package dev.baton.driver.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.junit.jupiter.api.Test;

class ArrowIpcTest {
  @Test
  void aBatchIsTheMessageArrowWritesInAnArrayOfExactlyItsSize() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector ids = new BigIntVector("id", allocator);
        VarCharVector names = new VarCharVector("name", allocator)) {
      int rows = 10_001; // not a multiple of 8: the body has padding
      ids.allocateNew(rows);
      names.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        ids.set(i, i * 3L);
        if (i % 7 == 0) {
          names.setNull(i);
        } else {
          names.setSafe(i, ("name-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      ids.setValueCount(rows);
      names.setValueCount(rows);
      try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(ids, names))) {
        root.setRowCount(rows);
        ByteString fast = ArrowIpc.batch(root);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
          MessageSerializer.serialize(new WriteChannel(Channels.newChannel(expected)), batch);
        }
        assertThat(fast.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(fast.asReadOnlyByteBuffer().capacity()).as("no spare room copied along").isEqualTo(fast.size());
      }
    }
  }
}

package dev.baton.driver.engine;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.channels.Channels;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow IPC as protobuf bytes: for baton.v1 one schema message, then one message per batch; for
 * Spark Connect a whole stream per batch.
 */
public final class ArrowIpc {
  private ArrowIpc() {}

  public static ByteString schema(Schema schema) throws IOException {
    ByteString.Output out = ByteString.newOutput();
    MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), schema);
    return out.toByteString();
  }

  public static ByteString batch(VectorSchemaRoot root) throws IOException {
    ByteString.Output out = ByteString.newOutput(Math.max(256, (int) Math.min(Integer.MAX_VALUE,
        estimate(root))));
    try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
      MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), batch);
    }
    return out.toByteString();
  }

  /** A whole Arrow IPC stream of one batch: schema, the batch, end of stream. */
  public static ByteString stream(VectorSchemaRoot root) throws IOException {
    ByteString.Output out = ByteString.newOutput(Math.max(512, (int) Math.min(Integer.MAX_VALUE,
        estimate(root) + 512)));
    try (org.apache.arrow.vector.ipc.ArrowStreamWriter writer =
        new org.apache.arrow.vector.ipc.ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return out.toByteString();
  }

  private static long estimate(VectorSchemaRoot root) {
    long bytes = 0;
    for (var v : root.getFieldVectors()) {
      bytes += v.getBufferSize();
    }
    return bytes + 1024;
  }
}

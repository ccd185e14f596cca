package dev.baton.driver.engine;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
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

  /**
   * One record batch message, copied once: from the vectors' memory into an array of exactly its
   * size (measured by a first pass that copies nothing), which the ByteString then wraps. A
   * growing output stream would copy it three times (through a transfer buffer, then trimmed).
   */
  public static ByteString batch(VectorSchemaRoot root) throws IOException {
    try (ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch()) {
      WriteChannel measured = new WriteChannel(new IntoBuffer(null));
      MessageSerializer.serialize(measured, batch);
      long size = measured.getCurrentPosition();
      if (size > Integer.MAX_VALUE - 8) {
        throw new IOException("an Arrow batch of " + size + " bytes does not fit one message");
      }
      ByteBuffer out = ByteBuffer.allocate((int) size);
      MessageSerializer.serialize(new WriteChannel(new IntoBuffer(out)), batch);
      if (out.hasRemaining()) {
        throw new IOException("Arrow batch wrote " + out.position() + " bytes, measured " + size);
      }
      return UnsafeByteOperations.unsafeWrap(out.array());
    }
  }

  /** Writes into a buffer, one bulk copy per write; with none, discards (the size pass). */
  private static final class IntoBuffer implements WritableByteChannel {
    private final ByteBuffer out;

    IntoBuffer(ByteBuffer out) {
      this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      if (out == null) {
        src.position(src.limit());
      } else if (n > out.remaining()) {
        throw new IOException("Arrow batch larger than measured");
      } else {
        out.put(src);
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
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

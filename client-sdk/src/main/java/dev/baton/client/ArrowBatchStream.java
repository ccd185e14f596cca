package dev.baton.client;

import dev.baton.proto.v1.ExecutePlanResponse;
import java.io.IOException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A query's result as Arrow batches. {@link #next()} loads the next batch into {@link #root()},
 * which stays valid until the following call. Close it (try-with-resources) when done early: that
 * stops the operation on the driver. A session runs one operation at a time, so read or close a
 * stream before starting the next query in the same session.
 */
public final class ArrowBatchStream implements AutoCloseable {
  private final OperationStream responses;
  private final BufferAllocator allocator;
  private VectorSchemaRoot root;
  private VectorLoader loader;
  private long rows;
  private long batches;
  private boolean done;

  ArrowBatchStream(OperationStream responses, BufferAllocator allocator) {
    this.responses = responses;
    this.allocator = allocator;
  }

  /** The result schema; waits for the first response. */
  public Schema schema() {
    ensureSchema();
    return root.getSchema();
  }

  /** The current batch. */
  public VectorSchemaRoot root() {
    ensureSchema();
    return root;
  }

  /** Loads the next batch; false at the end of the result. */
  public boolean next() {
    ensureSchema();
    while (!done) {
      ExecutePlanResponse r = responses.next();
      if (r == null || r.hasComplete()) {
        done = true;
        if (r != null && r.getComplete().getRowCount() != rows) {
          throw new BatonException(io.grpc.Status.Code.DATA_LOSS, "received " + rows
              + " rows but the driver produced " + r.getComplete().getRowCount(), null);
        }
        return false;
      }
      if (r.hasBatch()) {
        load(r);
        rows += r.getBatch().getRowCount();
        batches++;
        return true;
      }
    }
    return false;
  }

  /** Rows received so far. */
  public long rowCount() {
    return rows;
  }

  public long batchCount() {
    return batches;
  }

  /** How often the stream was resumed after a lost connection. */
  public int reattachCount() {
    return responses.reattaches();
  }

  public String operationId() {
    return responses.operationId();
  }

  private void ensureSchema() {
    if (root != null) {
      return;
    }
    ExecutePlanResponse first = responses.next();
    if (first == null || !first.hasArrowSchema()) {
      throw new BatonException(io.grpc.Status.Code.INTERNAL,
          "operation stream did not start with a schema", null);
    }
    try {
      Schema schema = MessageSerializer.deserializeSchema(
          new ReadChannel(new ByteStringChannel(first.getArrowSchema())));
      root = VectorSchemaRoot.create(schema, allocator);
      loader = new VectorLoader(root);
    } catch (IOException e) {
      throw new BatonException(io.grpc.Status.Code.INTERNAL, "unreadable Arrow schema: " + e, e);
    }
  }

  private void load(ExecutePlanResponse r) {
    try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(
        new ReadChannel(new ByteStringChannel(r.getBatch().getData())), allocator)) {
      loader.load(batch);
    } catch (IOException e) {
      throw new BatonException(io.grpc.Status.Code.INTERNAL, "unreadable Arrow batch: " + e, e);
    }
  }

  @Override
  public void close() {
    responses.close();
    if (root != null) {
      root.close();
    }
    allocator.close();
  }
}

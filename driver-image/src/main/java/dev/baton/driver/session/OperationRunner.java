package dev.baton.driver.session;

import dev.baton.driver.engine.ArrowIpc;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.proto.v1.ArrowBatch;
import dev.baton.proto.v1.Completion;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.Progress;
import io.grpc.Status;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces an operation's responses: runs its SQL on the session's engine and appends the schema,
 * each Arrow batch and the completion marker to the operation, waiting for the client whenever
 * the session's result budget is full.
 */
public final class OperationRunner {
  private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
  /** A progress response every this many batches, so long scans show they are moving. */
  private static final int PROGRESS_EVERY = 64;

  private final ExecutorService pool;
  private final ErrorTranslator errors;

  /** Maps a failure to the error the client sees (its trailers may carry typed details). */
  @FunctionalInterface
  public interface ErrorTranslator {
    io.grpc.StatusRuntimeException toError(Throwable t);
  }

  /** How batches are written into an operation's responses. */
  public enum Output {
    /** baton.v1: one schema message, then each batch as an Arrow IPC record batch message. */
    BATON,
    /**
     * Spark Connect: each batch a whole Arrow IPC stream (schema, batch, end), and at least one
     * batch even when the result has no rows, which is what Spark Connect clients read.
     */
    SPARK
  }

  public OperationRunner(ExecutorService pool, ErrorTranslator errors) {
    this.pool = pool;
    this.errors = errors;
  }

  /**
   * Runs the operation on the pool. The SQL is produced once the session's engine is free,
   * because compiling some plans asks the engine for column names.
   */
  public void start(Session session, Operation op, Supplier<String> sql, int batchRows) {
    start(session, op, sql, batchRows, Output.BATON);
  }

  /** As {@link #start(Session, Operation, Supplier, int)}, writing batches as {@code output} says. */
  public void start(Session session, Operation op, Supplier<String> sql, int batchRows, Output output) {
    pool.execute(() -> run(session, op, sql, batchRows, output));
  }

  private void run(Session session, Operation op, Supplier<String> sqlSource, int batchRows,
      Output output) {
    Thread self = Thread.currentThread();
    SessionEngine engine = session.engine();
    op.onStop(self::interrupt);
    boolean locked = false;
    try {
      if (op.stopReason() != null) {
        throw new InterruptedException();
      }
      session.engineLock().lockInterruptibly();
      locked = true;
      op.onStop(() -> {
        engine.cancelRunning();
        self.interrupt();
      });
      if (op.stopReason() != null) {
        throw new InterruptedException();
      }
      String sql = sqlSource.get();
      long[] totals = new long[3]; // rows, batches, bytes
      com.google.protobuf.ByteString[] emptyBatch = new com.google.protobuf.ByteString[1];
      engine.query(sql, batchRows, new SessionEngine.BatchSink() {
        @Override
        public void schema(VectorSchemaRoot root) throws Exception {
          if (output == Output.BATON) {
            op.append(ExecutePlanResponse.newBuilder().setSessionId(session.id())
                .setArrowSchema(ArrowIpc.schema(root.getSchema())));
          } else {
            // Kept for a result without rows, which still needs one (empty) batch.
            root.setRowCount(0);
            emptyBatch[0] = ArrowIpc.stream(root);
          }
        }

        @Override
        public void batch(VectorSchemaRoot root) throws Exception {
          var data = output == Output.BATON ? ArrowIpc.batch(root) : ArrowIpc.stream(root);
          totals[0] += root.getRowCount();
          totals[1]++;
          totals[2] += data.size();
          op.append(ExecutePlanResponse.newBuilder().setSessionId(session.id())
              .setBatch(ArrowBatch.newBuilder().setData(data).setRowCount(root.getRowCount())));
          if (totals[1] % PROGRESS_EVERY == 0) {
            op.append(ExecutePlanResponse.newBuilder().setSessionId(session.id())
                .setProgress(Progress.newBuilder().setRowsProduced(totals[0])
                    .setBatchesProduced(totals[1])));
          }
        }
      });
      op.statementDone();
      if (totals[1] == 0 && emptyBatch[0] != null) {
        op.append(ExecutePlanResponse.newBuilder().setSessionId(session.id())
            .setBatch(ArrowBatch.newBuilder().setData(emptyBatch[0]).setRowCount(0)));
        totals[1] = 1;
      }
      op.append(ExecutePlanResponse.newBuilder().setSessionId(session.id())
          .setComplete(Completion.newBuilder().setRowCount(totals[0]).setBatchCount(totals[1])
              .setBytes(totals[2])));
      op.succeed();
      LOG.info("operation finished session={} operation={} rows={} batches={} bytes={}",
          session.id(), op.id(), totals[0], totals[1], totals[2]);
    } catch (Throwable t) {
      io.grpc.StatusRuntimeException error = errorFor(session, op, t);
      Status status = error.getStatus();
      op.fail(error);
      LOG.info("operation failed session={} operation={} code={} message={}", session.id(), op.id(),
          status.getCode(), firstLine(status.getDescription()));
    } finally {
      op.onStop(() -> {});
      if (locked) {
        session.engineLock().unlock();
      }
      Thread.interrupted(); // a stop may have interrupted this pool thread: clear it for reuse
    }
  }

  private static String firstLine(String text) {
    return text == null ? "" : text.lines().findFirst().orElse("");
  }

  private io.grpc.StatusRuntimeException errorFor(Session session, Operation op, Throwable t) {
    Operation.StopReason reason = op.stopReason();
    if (reason == Operation.StopReason.TIMED_OUT) {
      return Status.DEADLINE_EXCEEDED.withDescription("operation exceeded the session's "
          + SessionConfig.OPERATION_TIMEOUT + " of " + session.config().asMap()
              .get(SessionConfig.OPERATION_TIMEOUT)).asRuntimeException();
    }
    if (reason != null) {
      return reason.error(session.id());
    }
    return errors.toError(t);
  }
}

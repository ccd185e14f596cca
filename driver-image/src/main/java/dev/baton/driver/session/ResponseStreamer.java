package dev.baton.driver.session;

import dev.baton.proto.v1.ExecutePlanResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.function.Function;

/**
 * Sends an operation's responses to one gRPC stream, starting after a given index, only as fast
 * as the client reads (gRPC flow control): nothing piles up in transport buffers, and what the
 * client has not read stays in the operation for a later Reattach. Responses are sent as the
 * stream's protocol shapes them ({@code R}: baton.v1's as they are, Spark Connect's translated).
 */
public final class ResponseStreamer<R> {
  private final Operation op;
  private final ServerCallStreamObserver<R> observer;
  private final Function<ExecutePlanResponse, R> shape;
  private final Runnable onChange = this::pump;
  private Runnable onSuccess = () -> {};
  private Runnable onAbandoned = () -> {};
  private long cursor;
  private boolean done;

  /** A baton.v1 stream: responses sent as they are. */
  public static ResponseStreamer<ExecutePlanResponse> of(Operation op,
      ServerCallStreamObserver<ExecutePlanResponse> observer, long afterIndex) {
    return new ResponseStreamer<>(op, observer, afterIndex, Function.identity());
  }

  /**
   * A stream whose responses are {@code shape}d for its protocol; a response shaped to null is
   * not sent (the protocol has no counterpart).
   */
  public ResponseStreamer(Operation op, ServerCallStreamObserver<R> observer, long afterIndex,
      Function<ExecutePlanResponse, R> shape) {
    this.op = op;
    this.observer = observer;
    this.cursor = afterIndex;
    this.shape = shape;
  }

  /** Runs once the stream has sent the operation's last response and completed. */
  public ResponseStreamer<R> onSuccess(Runnable action) {
    this.onSuccess = action;
    return this;
  }

  /**
   * Runs once if the stream ends any other way: the client cancelled or went away, or the
   * operation failed. For an operation nobody can reattach to, this is where it is let go.
   */
  public ResponseStreamer<R> onAbandoned(Runnable action) {
    this.onAbandoned = action;
    return this;
  }

  public void start() {
    observer.setOnCancelHandler(this::detach);
    observer.setOnReadyHandler(this::pump);
    op.addListener(onChange);
    pump();
  }

  private void detach() {
    boolean wasDone;
    synchronized (this) {
      wasDone = done;
      done = true;
    }
    op.removeListener(onChange);
    if (!wasDone) {
      onAbandoned.run();
    }
  }

  private synchronized void pump() {
    while (!done && observer.isReady() && !observer.isCancelled()) {
      Operation.Slot slot = op.read(cursor + 1);
      if (slot instanceof Operation.Ready ready) {
        R shaped = shape.apply(ready.response());
        if (shaped != null) {
          observer.onNext(shaped);
        }
        cursor++;
      } else if (slot instanceof Operation.End) {
        finish(null);
      } else if (slot instanceof Operation.Failed failed) {
        finish(failed.status(), failed.trailers());
      } else if (slot instanceof Operation.Beyond beyond) {
        // An empty stream without a completion marker would read as a cut stream: say why instead.
        finish(Status.OUT_OF_RANGE.withDescription("operation " + op.id() + " ended at index "
            + beyond.lastIndex() + "; reattach with after_index at most " + beyond.lastIndex()));
      } else if (slot instanceof Operation.Released released) {
        finish(Status.FAILED_PRECONDITION.withDescription("responses up to index "
            + (released.firstAvailable() - 1) + " of operation " + op.id()
            + " were already released; reattach after index " + (released.firstAvailable() - 1)));
      } else {
        return; // pending: the operation's listener calls pump again
      }
    }
  }

  private void finish(Status error) {
    finish(error, null);
  }

  private void finish(Status error, io.grpc.Metadata trailers) {
    done = true;
    op.removeListener(onChange);
    if (error == null) {
      observer.onCompleted();
      onSuccess.run();
    } else {
      observer.onError(error.asRuntimeException(trailers));
      onAbandoned.run();
    }
  }
}

package dev.baton.client;

import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.ReleaseRequest;
import dev.baton.proto.v1.ReleaseResponse;
import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One operation's responses, in index order, each exactly once, across lost connections: a stream
 * that breaks (a lost connection, or an end without the completion marker) is resumed with Reattach
 * after the last index received.
 *
 * <p>Before it waits for more, the stream releases everything it has received. The driver's
 * result budget is in bytes and may hold only a few batches; a client that kept received
 * responses unreleased while waiting for the next one could wait forever.
 */
final class OperationStream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationStream.class);
  /** ExecutePlan and Reattach as generated, with responses whose Arrow bytes are not copied again. */
  private static final MethodDescriptor<ExecutePlanRequest, ExecutePlanResponse> EXECUTE =
      SessionServiceGrpc.getExecutePlanMethod().toBuilder()
          .setResponseMarshaller(new AliasingMarshaller<>(ExecutePlanResponse.getDefaultInstance())).build();
  private static final MethodDescriptor<ReattachRequest, ExecutePlanResponse> REATTACH =
      SessionServiceGrpc.getReattachMethod().toBuilder()
          .setResponseMarshaller(new AliasingMarshaller<>(ExecutePlanResponse.getDefaultInstance())).build();
  private final SessionServiceGrpc.SessionServiceBlockingStub blocking;
  private final SessionServiceGrpc.SessionServiceStub async;
  private final RetryPolicy policy;
  private final String sessionId;
  private final String operationId;
  private final Plan plan;
  private final int batchRows;
  private Retrier retrier;
  private Context.CancellableContext context;
  private Iterator<ExecutePlanResponse> current;
  private long lastIndex = -1;
  private long lastReleased = -1;
  private boolean completed;
  private boolean closed;
  private int reattaches;

  OperationStream(SessionServiceGrpc.SessionServiceBlockingStub blocking,
      SessionServiceGrpc.SessionServiceStub async, RetryPolicy policy, String sessionId, Plan plan,
      int batchRows) {
    this.blocking = blocking;
    this.async = async;
    this.policy = policy;
    this.sessionId = sessionId;
    this.operationId = UUID.randomUUID().toString();
    this.plan = plan;
    this.batchRows = batchRows;
    this.retrier = new Retrier(policy);
  }

  String operationId() {
    return operationId;
  }

  /** How many times the stream was resumed after a break. */
  int reattaches() {
    return reattaches;
  }

  /** The next response, or null after the completion marker. */
  ExecutePlanResponse next() {
    if (completed || closed) {
      return null;
    }
    while (true) {
      try {
        if (current == null) {
          open();
        }
        if (lastIndex > lastReleased) {
          releaseUpTo(lastIndex);
        }
        if (!current.hasNext()) {
          // The server ended the stream without the completion marker: the stream was cut.
          cancelCurrent();
          retrier.awaitRetry("operation " + operationId, Status.UNAVAILABLE
              .withDescription("stream ended before the operation completed").asRuntimeException());
          continue;
        }
        ExecutePlanResponse r = current.next();
        if (r.getIndex() <= lastIndex) {
          continue; // already delivered before a reattach
        }
        if (r.getIndex() != lastIndex + 1) {
          throw new BatonException(Status.Code.DATA_LOSS, "operation " + operationId
              + " skipped from index " + lastIndex + " to " + r.getIndex(), null);
        }
        lastIndex = r.getIndex();
        retrier = new Retrier(policy);
        if (r.hasComplete()) {
          completed = true;
          cancelCurrent();
          releaseAll();
        }
        return r;
      } catch (StatusRuntimeException e) {
        cancelCurrent();
        if (!RetryPolicy.isRetryable(e)) {
          releaseAll();
        }
        retrier.awaitRetry("operation " + operationId, e);
      }
    }
  }

  private void open() {
    context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      if (lastIndex < 0) {
        current = ClientCalls.blockingServerStreamingCall(blocking.getChannel(), EXECUTE, blocking.getCallOptions(),
            ExecutePlanRequest.newBuilder().setSessionId(sessionId)
                .setOperationId(operationId).setPlan(plan).setBatchRows(batchRows).build());
      } else {
        reattaches++;
        LOG.debug("reattaching operation {} after index {}", operationId, lastIndex);
        current = ClientCalls.blockingServerStreamingCall(blocking.getChannel(), REATTACH, blocking.getCallOptions(),
            ReattachRequest.newBuilder().setSessionId(sessionId)
                .setOperationId(operationId).setAfterIndex(lastIndex).build());
      }
    } finally {
      context.detach(previous);
    }
  }

  private void cancelCurrent() {
    if (context != null) {
      context.cancel(null);
      context = null;
    }
    current = null;
  }

  private void releaseUpTo(long index) {
    lastReleased = index;
    async.release(ReleaseRequest.newBuilder().setSessionId(sessionId).setOperationId(operationId)
        .setUpToIndex(index).build(), IGNORE);
  }

  private void releaseAll() {
    lastReleased = Long.MAX_VALUE;
    async.release(ReleaseRequest.newBuilder().setSessionId(sessionId).setOperationId(operationId)
        .setAll(true).build(), IGNORE);
  }

  /** Stops reading; an unfinished operation is released (and so stopped) on the driver. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cancelCurrent();
    if (lastReleased != Long.MAX_VALUE) {
      releaseAll();
    }
  }

  /** Releases are advisory: a lost one only delays freeing, and session close frees all. */
  private static final StreamObserver<ReleaseResponse> IGNORE = new StreamObserver<>() {
    @Override
    public void onNext(ReleaseResponse value) {}

    @Override
    public void onError(Throwable t) {
      LOG.debug("release failed: {}", t.toString());
    }

    @Override
    public void onCompleted() {}
  };
}

package dev.baton.driver.session;

import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.MoveStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One execution of a plan in a session, and the responses it produced that the client has not
 * yet released. Responses are indexed from 0 (the schema); the completion marker is the last.
 * Any number of streams may read it (a client that reattaches opens a second one).
 */
public final class Operation {

  /** Why an operation was stopped before it finished. */
  public enum StopReason {
    INTERRUPTED(Status.CANCELLED.withDescription("operation interrupted")),
    TIMED_OUT(Status.DEADLINE_EXCEEDED),
    RELEASED(Status.CANCELLED.withDescription("operation released before it finished")),
    SESSION_CLOSED(Status.CANCELLED.withDescription("session closed")),
    DRIVER_STOPPING(Status.UNAVAILABLE.withDescription("driver is shutting down")),
    /** The session moved to another driver; its results are there (SESSION_MOVED: read them there). */
    MOVED(Status.UNAVAILABLE),
    /** Still running when its session had to move (drainTimeout): OPERATION_STOPPED_FOR_MOVE. */
    STOPPED_FOR_MOVE(Status.ABORTED);

    private final Status status;

    StopReason(Status status) {
      this.status = status;
    }

    public Status status() {
      return status;
    }

    /** What the operation's readers receive, with the typed details docs/errors.md names. */
    public StatusRuntimeException error(String sessionId) {
      return switch (this) {
        case MOVED -> MoveStatus.operationMoved(sessionId);
        case STOPPED_FOR_MOVE -> MoveStatus.stoppedForMove(sessionId,
            "it was still running when its session had to move to another driver (the pool's drainTimeout passed)");
        default -> status.asRuntimeException();
      };
    }

    /** The results are dropped, not kept for a reader. */
    boolean dropsResults() {
      return this == RELEASED || this == SESSION_CLOSED || this == MOVED;
    }
  }

  /** What a reader finds at an index. */
  public sealed interface Slot {}

  public record Ready(ExecutePlanResponse response) implements Slot {}

  /** Not produced yet. */
  public record Pending() implements Slot {}

  /** Past the last response of a finished operation. */
  public record End() implements Slot {}

  /** The operation failed: readers get this status, with its trailers (typed details). */
  public record Failed(Status status, Metadata trailers) implements Slot {}

  /** Further past the end of a finished operation than its last response: nothing is there. */
  public record Beyond(long lastIndex) implements Slot {}

  /** Already released by the client: it cannot be read again. */
  public record Released(long firstAvailable) implements Slot {}

  private static final Pending PENDING = new Pending();
  private static final End END = new End();

  private final String id;
  private final String planFingerprint;
  private final ResultBudget budget;
  private final OperationClock clock = new OperationClock();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  // Responses [firstIndex, nextIndex) live at buffered[head ...]; head grows as they are released.
  private final ArrayList<ExecutePlanResponse> buffered = new ArrayList<>();
  private int head;
  private long firstIndex;
  private long nextIndex;
  private long bufferedBytes;
  private boolean finished;
  private Status failure;
  private Metadata failureTrailers;
  /** Set when the session moved away: every read answers this (SESSION_MOVED), whatever was buffered. */
  private StatusRuntimeException movedAway;
  private volatile StopReason stopReason;
  /** The engine finished the statement (it may have changed data); only result delivery remains. */
  private volatile boolean statementDone;
  private volatile Runnable canceller = () -> {};

  public Operation(String id, String planFingerprint, ResultBudget budget) {
    this.id = id;
    this.planFingerprint = planFingerprint;
    this.budget = budget;
  }

  public String id() {
    return id;
  }

  public String planFingerprint() {
    return planFingerprint;
  }

  public OperationClock clock() {
    return clock;
  }

  /**
   * Appends the next response, waiting first for room in the session's budget. Called only by
   * the producer.
   */
  public void append(ExecutePlanResponse.Builder response) throws InterruptedException {
    ExecutePlanResponse built;
    synchronized (this) {
      built = response.setOperationId(id).setIndex(nextIndex).build();
    }
    long size = built.getSerializedSize();
    clock.pause();
    try {
      budget.acquire(size);
    } finally {
      clock.resume();
    }
    synchronized (this) {
      if (stopReason != null && stopReason.dropsResults()) {
        budget.release(size);
        return;
      }
      buffered.add(built);
      bufferedBytes += size;
      nextIndex++;
    }
    notifyListeners();
  }

  /** Marks the operation finished: its last appended response was the completion marker. */
  public void succeed() {
    synchronized (this) {
      finished = true;
    }
    clock.stop();
    notifyListeners();
  }

  public void fail(Status status) {
    fail(status.asRuntimeException());
  }

  /** Marks the operation failed; readers get the error's status and trailers. */
  public void fail(StatusRuntimeException error) {
    synchronized (this) {
      finished = true;
      failure = error.getStatus();
      failureTrailers = error.getTrailers();
    }
    clock.stop();
    notifyListeners();
  }

  public synchronized Slot read(long index) {
    if (movedAway != null) {
      return new Failed(movedAway.getStatus(), movedAway.getTrailers());
    }
    if (index < firstIndex) {
      return new Released(firstIndex);
    }
    if (index < nextIndex) {
      return new Ready(buffered.get(head + (int) (index - firstIndex)));
    }
    if (!finished) {
      return PENDING;
    }
    if (failure != null) {
      return new Failed(failure, failureTrailers);
    }
    return index > nextIndex ? new Beyond(nextIndex - 1) : END;
  }

  /** Frees responses with index <= upTo; returns how many bytes were freed. */
  public long release(long upTo) {
    long freed = 0;
    synchronized (this) {
      while (head < buffered.size() && firstIndex <= upTo) {
        freed += buffered.set(head, null).getSerializedSize();
        head++;
        firstIndex++;
      }
      if (head > 64 && head * 2 > buffered.size()) {
        buffered.subList(0, head).clear();
        head = 0;
      }
      bufferedBytes -= freed;
    }
    budget.release(freed);
    return freed;
  }

  /** Stops the operation if it is still running and frees everything it buffered. */
  /** The session moved to another driver, results included: readers are sent there. */
  public void movedAway(StatusRuntimeException error) {
    synchronized (this) {
      movedAway = error;
    }
    releaseAll(StopReason.MOVED);
    notifyListeners();
  }

  public void releaseAll(StopReason reason) {
    stop(reason);
    release(Long.MAX_VALUE);
  }

  /** Asks a running operation to stop; the producer then fails with the reason's status. */
  public void stop(StopReason reason) {
    synchronized (this) {
      if (finished) {
        return;
      }
      if (stopReason == null) {
        stopReason = reason;
      }
    }
    canceller.run();
  }

  /** Marks the statement finished in the engine; from here the operation is never stopped for a move. */
  public void statementDone() {
    statementDone = true;
  }

  public boolean isStatementDone() {
    return statementDone;
  }

  public StopReason stopReason() {
    return stopReason;
  }

  /** How to stop the producer (cancel the engine statement, interrupt its thread). */
  public void onStop(Runnable canceller) {
    this.canceller = canceller;
  }

  public synchronized boolean isFinished() {
    return finished;
  }

  /** Finished without error: every response up to the completion marker was produced. */
  public synchronized boolean isSucceeded() {
    return finished && failure == null;
  }

  public synchronized long bufferedBytes() {
    return bufferedBytes;
  }

  public synchronized long firstIndex() {
    return firstIndex;
  }

  /** Responses still held, in order; used to move a finished operation in a snapshot. */
  public synchronized List<ExecutePlanResponse> bufferedResponses() {
    return List.copyOf(buffered.subList(head, buffered.size()));
  }

  /** Rebuilds a finished operation from a snapshot, keeping its response indices. */
  public static Operation restored(String id, String fingerprint, ResultBudget budget,
      List<ExecutePlanResponse> responses) throws InterruptedException {
    Operation op = new Operation(id, fingerprint, budget);
    if (!responses.isEmpty()) {
      op.firstIndex = responses.get(0).getIndex();
      op.nextIndex = op.firstIndex;
    }
    for (ExecutePlanResponse r : responses) {
      op.append(r.toBuilder());
    }
    op.succeed();
    return op;
  }

  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  private void notifyListeners() {
    for (Runnable l : listeners) {
      l.run();
    }
  }
}

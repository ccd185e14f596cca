package dev.baton.spark;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Spark Connect session as the plugin sees it: who owns it, its replay journal, its running
 * operations, where it stands in a move, and the server-side session id its client has seen.
 */
public final class TrackedSession {
  /** Where the session stands in a move. */
  public enum MoveState {
    /** Served here. */
    ACTIVE,
    /** Exported with freeze: new calls are answered SESSION_MOVING; running operations finish. */
    FROZEN,
    /** Moved away: new calls are answered SESSION_MOVED; running operations finish, then it is closed here. */
    RELEASED
  }

  /**
   * An operation running here, what it will change once it completes, and how many calls are
   * attached to it (its ExecutePlan, then each ReattachExecute): an operation no call has been
   * attached to for a while was abandoned by its client, and Spark drops it too.
   */
  static final class RunningOperation {
    private final com.google.protobuf.ByteString plan;
    private final Effect effect;
    private int attached;
    private Instant detachedAt;

    RunningOperation(com.google.protobuf.ByteString plan, Effect effect) {
      this.plan = plan;
      this.effect = effect;
    }

    com.google.protobuf.ByteString plan() {
      return plan;
    }

    Effect effect() {
      return effect;
    }
  }

  /** Copies of sessions made in this process, for {@link #stateVersion}. */
  private static final AtomicLong COPIES = new AtomicLong();

  private final String sessionId;
  private final String userId;
  private final Instant openedAt;
  private final ReplayJournal journal = new ReplayJournal();
  private final Map<String, RunningOperation> running = new ConcurrentHashMap<>();
  private volatile Instant lastActiveAt;
  private volatile MoveState state = MoveState.ACTIVE;
  private volatile String movedTo = "";
  private int changesInFlight;
  /** The id the client sees; null until a response carried one (or an import set it). */
  private String clientServerSideId;
  /** The id this server's Spark session has; null until a response carried it. */
  private String localServerSideId;
  private long idChanges;
  /** This copy's number in this process, for {@link #stateVersion}. */
  private final long copy = COPIES.incrementAndGet();

  TrackedSession(String sessionId, String userId, Instant now) {
    this.sessionId = sessionId;
    this.userId = userId;
    this.openedAt = now;
    this.lastActiveAt = now;
  }

  public String sessionId() {
    return sessionId;
  }

  public String userId() {
    return userId;
  }

  public Instant openedAt() {
    return openedAt;
  }

  public Instant lastActiveAt() {
    return lastActiveAt;
  }

  void touch(Instant now) {
    lastActiveAt = now;
  }

  public ReplayJournal journal() {
    return journal;
  }

  public MoveState state() {
    return state;
  }

  public String movedTo() {
    return movedTo;
  }

  void state(MoveState next, String to) {
    state = next;
    movedTo = to == null ? "" : to;
  }

  Map<String, RunningOperation> running() {
    return running;
  }

  /**
   * Lets a call in, or says why not: while the session is frozen or released, only calls that
   * continue an operation already running here ({@code continuesOperation}) and internal calls
   * are served. An admitted call that will change the session's state is counted until
   * {@link #changeDone} (or, for an operation, until it completes or ends), so a freeze never
   * misses a change that lands after the export.
   *
   * @param operation a new operation to register under {@code operationKey}, or null; an
   *     operation already registered under that key is kept (a re-sent ExecutePlan, which Spark
   *     refuses, does not replace it)
   * @param unaryChange whether the call itself (not an operation) changes the session's state
   * @return null when admitted, else the state that refused it
   */
  synchronized MoveState admit(boolean internal, String continuesOperation, String operationKey,
      RunningOperation operation, boolean unaryChange) {
    if (state != MoveState.ACTIVE && !internal
        && (continuesOperation == null || !running.containsKey(continuesOperation))) {
      return state;
    }
    if (operation != null) {
      running.putIfAbsent(operationKey, operation);
    }
    if (unaryChange) {
      changesInFlight++;
    }
    return null;
  }

  /** Whether {@code operation} is the one registered under {@code key} (this call started it). */
  synchronized boolean registered(String key, RunningOperation operation) {
    return running.get(key) == operation;
  }

  /** The server named an operation its request did not: registered under the name from now on. */
  synchronized void rename(String from, String to) {
    RunningOperation o = running.get(from);
    if (o != null) {
      running.putIfAbsent(to, o);
      running.remove(from, o);
    }
  }

  /** A call attached to the operation (its ExecutePlan or a ReattachExecute). */
  synchronized void attach(String key) {
    RunningOperation o = running.get(key);
    if (o != null) {
      o.attached++;
    }
  }

  /** A call attached to the operation ended. */
  synchronized void detach(String key, Instant now) {
    RunningOperation o = running.get(key);
    if (o != null && --o.attached <= 0) {
      o.attached = 0;
      o.detachedAt = now;
    }
  }

  /** The operation completed: what it changed is recorded before it stops counting as running. */
  synchronized void complete(String key) {
    RunningOperation o = running.get(key);
    if (o != null) {
      journal.command(o.plan, o.effect);
      running.remove(key);
    }
  }

  /** The operation ended without completing (failed, interrupted, released): it changed nothing. */
  synchronized void end(String key) {
    running.remove(key);
  }

  /** Forgets operations no call has been attached to since {@code cutoff}; returns how many. */
  synchronized int forgetAbandoned(Instant cutoff) {
    int before = running.size();
    running.values().removeIf(o -> o.attached == 0 && o.detachedAt != null && o.detachedAt.isBefore(cutoff));
    return before - running.size();
  }

  /** A call counted by {@link #admit} as changing the session has ended. */
  synchronized void changeDone() {
    changesInFlight--;
  }

  /**
   * Freezes the session for a move, unless a call or operation that will change its state is
   * still in flight (its change would land after the export). Queries may keep running: they
   * finish here. Freezing a frozen session again is fine (a move resumed).
   */
  synchronized boolean freeze() {
    if (state == MoveState.FROZEN) {
      return true;
    }
    if (changesInFlight > 0 || running.values().stream().anyMatch(o -> o.effect.changesState())) {
      return false;
    }
    state = MoveState.FROZEN;
    return true;
  }

  /** Calls and operations in flight that will change the session's state (what a freeze waits for). */
  public synchronized int stateChangesRunning() {
    return changesInFlight + (int) running.values().stream().filter(o -> o.effect.changesState()).count();
  }

  public int operationsRunning() {
    return running.size();
  }

  /** A session imported here: the client keeps seeing {@code clientId}, whatever id Spark gives it here. */
  synchronized void importedAs(String clientId) {
    clientServerSideId = clientId == null || clientId.isEmpty() ? null : clientId;
    localServerSideId = null;
  }

  /**
   * A response carried this server's id for the session; returns the id the client must see. If
   * the server's id changed, Spark re-created the session and its state is gone: the journal is
   * cleared and the client sees the new id (its client then reports the change, which is true).
   */
  synchronized String serverAnswered(String localId) {
    if (localId == null || localId.isEmpty()) {
      return localId;
    }
    if (localServerSideId == null) {
      localServerSideId = localId;
      if (clientServerSideId == null) {
        clientServerSideId = localId;
        idChanges++;
      }
    } else if (!localServerSideId.equals(localId)) {
      journal.reset();
      localServerSideId = localId;
      clientServerSideId = localId;
      idChanges++;
    }
    return clientServerSideId;
  }

  /** The id the client reports having seen, as this server knows it ("" when it has none yet). */
  synchronized String clientObserved(String observed) {
    if (observed == null || observed.isEmpty() || !observed.equals(clientServerSideId)) {
      return observed;
    }
    return localServerSideId == null ? "" : localServerSideId;
  }

  /**
   * Grows whenever what an export returns changes: the journal, or the id the client sees. A copy
   * of the session made later in this process (moved away and back) starts above every earlier
   * copy's versions: the copy's number in the high 32 bits.
   */
  public synchronized long stateVersion() {
    return (copy << 32) + journal.version() + idChanges;
  }

  /** The id the client has seen, or "" if none yet. */
  public synchronized String clientServerSideId() {
    return clientServerSideId == null ? "" : clientServerSideId;
  }
}

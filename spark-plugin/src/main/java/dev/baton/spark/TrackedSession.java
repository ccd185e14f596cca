package dev.baton.spark;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

  /** An operation running here, and what it will change once it completes. */
  record RunningOperation(com.google.protobuf.ByteString plan, Effect effect) {}

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
   * {@link #changeDone} (or, for an operation, until it leaves {@link #running}), so a freeze never
   * misses a change that lands after the export.
   *
   * @param operation a new operation to register under {@code operationKey}, or null
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
      running.put(operationKey, operation);
    }
    if (unaryChange) {
      changesInFlight++;
    }
    return null;
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
    if (changesInFlight > 0 || running.values().stream().anyMatch(o -> o.effect().changesState())) {
      return false;
    }
    state = MoveState.FROZEN;
    return true;
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
      }
    } else if (!localServerSideId.equals(localId)) {
      journal.reset();
      localServerSideId = localId;
      clientServerSideId = localId;
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

  /** The id the client has seen, or "" if none yet. */
  public synchronized String clientServerSideId() {
    return clientServerSideId == null ? "" : clientServerSideId;
  }
}

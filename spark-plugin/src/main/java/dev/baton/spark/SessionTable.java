package dev.baton.spark;

import java.time.Clock;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The sessions of this Spark Connect server, by session id. A session id belongs to the user who
 * first used it here: another user's call with the same id is refused, so no caller can read or
 * change a session it does not own.
 */
public final class SessionTable {
  private final ConcurrentMap<String, TrackedSession> sessions = new ConcurrentHashMap<>();
  private final Clock clock;
  private final boolean openOnFirstCall;

  /**
   * @param openOnFirstCall whether a client's first call opens a session, as on a plain Spark
   *     Connect server (a driver started by hand); a pool's driver opens sessions only when the
   *     operator says so (OpenSession, ImportSession), so a call routed to it late finds none
   */
  public SessionTable(Clock clock, boolean openOnFirstCall) {
    this.clock = clock;
    this.openOnFirstCall = openOnFirstCall;
  }

  /**
   * The session a call is for. NOT_FOUND (SESSION_NOT_FOUND) when there is none and calls may
   * not open one; PERMISSION_DENIED when another user owns the id.
   */
  public TrackedSession forCall(String sessionId, String userId, boolean internal) {
    TrackedSession s = openOnFirstCall || internal
        ? sessions.computeIfAbsent(sessionId, id -> new TrackedSession(id, userId, clock.instant()))
        : sessions.get(sessionId);
    if (s == null) {
      throw dev.baton.proto.v1.MoveStatus.sessionNotFound(sessionId);
    }
    if (!s.userId().equals(userId)) {
      throw io.grpc.Status.PERMISSION_DENIED.withDescription("session " + sessionId + " belongs to another user on "
          + "this driver").asRuntimeException();
    }
    s.touch(clock.instant());
    return s;
  }

  public Optional<TrackedSession> get(String sessionId) {
    return Optional.ofNullable(sessions.get(sessionId));
  }

  /**
   * Starts tracking a session being imported, keeping the server-side id its client has seen. It
   * stays frozen (only internal calls) until {@link TrackedSession#state} makes it active, once
   * its state is rebuilt. Empty when the id is open here already (not a tombstone of a session
   * that moved away).
   */
  public Optional<TrackedSession> importing(String sessionId, String userId, String clientServerSideId) {
    TrackedSession fresh = new TrackedSession(sessionId, userId, clock.instant());
    fresh.importedAs(clientServerSideId);
    fresh.state(TrackedSession.MoveState.FROZEN, "");
    TrackedSession result = sessions.compute(sessionId, (id, old) ->
        old == null || old.state() == TrackedSession.MoveState.RELEASED ? fresh : old);
    return result == fresh ? Optional.of(fresh) : Optional.empty();
  }

  /** The session open here under {@code sessionId} (not a tombstone), if any. */
  public Optional<TrackedSession> open(String sessionId) {
    return get(sessionId).filter(s -> s.state() != TrackedSession.MoveState.RELEASED);
  }

  /** Forgets a session (closed by its client, or released and finished). */
  public void remove(TrackedSession s) {
    sessions.remove(s.sessionId(), s);
  }

  public Collection<TrackedSession> all() {
    return sessions.values();
  }
}

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

  public SessionTable(Clock clock) {
    this.clock = clock;
  }

  /** The session a call is for, made on its first call. Empty when another user owns the id. */
  public Optional<TrackedSession> forCall(String sessionId, String userId) {
    TrackedSession s = sessions.computeIfAbsent(sessionId, id -> new TrackedSession(id, userId, clock.instant()));
    if (!s.userId().equals(userId)) {
      return Optional.empty();
    }
    s.touch(clock.instant());
    return Optional.of(s);
  }

  public Optional<TrackedSession> get(String sessionId) {
    return Optional.ofNullable(sessions.get(sessionId));
  }

  /**
   * Starts tracking a session being imported, keeping the server-side id its client has seen.
   * Empty when the id is open here already (not a tombstone of a session that moved away).
   */
  public Optional<TrackedSession> importing(String sessionId, String userId, String clientServerSideId) {
    TrackedSession fresh = new TrackedSession(sessionId, userId, clock.instant());
    fresh.importedAs(clientServerSideId);
    TrackedSession result = sessions.compute(sessionId, (id, old) ->
        old == null || old.state() == TrackedSession.MoveState.RELEASED ? fresh : old);
    return result == fresh ? Optional.of(fresh) : Optional.empty();
  }

  /** Forgets a session (closed by its client, or released and finished). */
  public void remove(TrackedSession s) {
    sessions.remove(s.sessionId(), s);
  }

  public Collection<TrackedSession> all() {
    return sessions.values();
  }
}

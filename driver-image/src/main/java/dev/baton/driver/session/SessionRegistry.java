package dev.baton.driver.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.driver.engine.EngineSandbox;
import dev.baton.proto.v1.MoveStatus;
import dev.baton.driver.engine.SessionEngine;
import io.grpc.Status;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions open on this driver, and whether it accepts new ones. Lookups check the caller:
 * an unknown id is NOT_FOUND, another principal's session PERMISSION_DENIED.
 */
public final class SessionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);
  private static final Pattern SESSION_ID = dev.baton.proto.v1.Headers.SESSION_ID_RULE;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Whether the driver opens new sessions. */
  public enum State { ACCEPTING, DRAINING, STOPPING }

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  /**
   * Sessions that moved away, id -> where to: answered SESSION_MOVED (not NOT_FOUND) so a router
   * whose view lags re-routes. Bounded in time and number: a tombstone is a courtesy, not state.
   */
  private final Cache<String, Tombstone> tombstones = Caffeine.newBuilder()
      .expireAfterWrite(java.time.Duration.ofMinutes(10)).maximumSize(100_000).build();
  /** Where a moved session went, and whose it was (only its owner learns that it moved). */
  private record Tombstone(String principal, String movedTo) {}

  private final SessionDefaults defaults;
  private final EngineSandbox sandbox;
  private final BufferAllocator allocator;
  private final int maxSessions;
  private volatile State state = State.ACCEPTING;

  public SessionRegistry(SessionDefaults defaults, EngineSandbox sandbox, BufferAllocator allocator,
      int maxSessions) {
    this.defaults = defaults;
    this.sandbox = sandbox;
    this.allocator = allocator;
    this.maxSessions = maxSessions;
  }

  /** 128 random bits, URL-safe. */
  public static String newSessionId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public Session open(String principal, String requestedId, Map<String, String> config,
      Instant openedAt) throws SQLException {
    checkAccepting();
    return openAccepted(principal, requestedId, config, openedAt, false);
  }

  /**
   * Opens a session moved here from another driver. A driver that takes no new sessions refuses
   * with FAILED_PRECONDITION: a definite "not imported", so the mover picks another driver.
   */
  public Session openImported(String principal, String id, Map<String, String> config, Instant openedAt)
      throws SQLException {
    State s = state;
    if (s != State.ACCEPTING) {
      throw Status.FAILED_PRECONDITION.withDescription("driver is " + s.name().toLowerCase()
          + " and takes no sessions; import the session elsewhere").asRuntimeException();
    }
    // Listed as frozen, and runs no call, from the moment it exists until the import is complete.
    Session session = openAccepted(principal, id, config, openedAt, true);
    tombstones.invalidate(id); // it moved back here
    return session;
  }

  private Session openAccepted(String principal, String requestedId, Map<String, String> config,
      Instant openedAt, boolean importing) throws SQLException {
    String id = requestedId.isEmpty() ? newSessionId() : requestedId;
    if (!SESSION_ID.matcher(id).matches()) {
      throw Status.INVALID_ARGUMENT.withDescription("session_id must be 22 to 128 characters of "
          + "[A-Za-z0-9_-]").asRuntimeException();
    }
    SessionConfig sessionConfig;
    try {
      sessionConfig = SessionConfig.open(defaults, config);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription("config." + e.getMessage()).asRuntimeException();
    }
    synchronized (this) {
      if (maxSessions > 0 && sessions.size() >= maxSessions) {
        throw Status.RESOURCE_EXHAUSTED.withDescription("driver has its maximum of " + maxSessions
            + " sessions").asRuntimeException();
      }
      if (sessions.containsKey(id)) {
        throw Status.ALREADY_EXISTS.withDescription("session " + id + " is already open on this driver")
            .asRuntimeException();
      }
      SessionEngine engine = SessionEngine.open(id, sessionConfig, sandbox, allocator);
      Session session = new Session(id, principal, openedAt, sessionConfig, engine);
      if (importing) {
        session.freezeForImport();
      }
      sessions.put(id, session);
      LOG.info("session opened session={} principal={}", id, principal);
      return session;
    }
  }

  private void checkAccepting() {
    State s = state;
    if (s != State.ACCEPTING) {
      throw Status.UNAVAILABLE.withDescription("driver is " + s.name().toLowerCase()
          + " and opens no new sessions; open the session on another driver").asRuntimeException();
    }
  }

  /** The caller's session, or NOT_FOUND / PERMISSION_DENIED. */
  public Session get(String sessionId, String principal) {
    Session s = sessions.get(sessionId);
    if (s == null || s.isClosed()) {
      Tombstone moved = tombstones.getIfPresent(sessionId);
      if (moved != null && moved.principal().equals(principal)) {
        throw MoveStatus.moved(sessionId, moved.movedTo(), 100);
      }
      if (moved != null) {
        throw Status.PERMISSION_DENIED.withDescription("session '" + sessionId
            + "' belongs to another principal").asRuntimeException();
      }
      throw MoveStatus.sessionNotFound(sessionId);
    }
    if (!s.principal().equals(principal)) {
      LOG.warn("session refused session={} owner={} caller={}", sessionId, s.principal(), principal);
      throw Status.PERMISSION_DENIED.withDescription("session '" + sessionId
          + "' belongs to another principal").asRuntimeException();
    }
    s.touch();
    return s;
  }

  /** A session for the control plane (no principal check). */
  public Session getForControl(String sessionId) {
    Session s = sessions.get(sessionId);
    if (s == null) {
      throw Status.NOT_FOUND.withDescription("no session '" + sessionId + "' on this driver")
          .asRuntimeException();
    }
    return s;
  }

  public void close(Session session) {
    if (sessions.remove(session.id(), session)) {
      session.close();
      LOG.info("session closed session={}", session.id());
    }
  }

  /**
   * Closes a frozen session whose move has completed and leaves a tombstone. Idempotent: false
   * when it is already released (or was never here).
   */
  public boolean release(String sessionId, String movedTo) {
    Session s = sessions.get(sessionId);
    if (s == null) {
      return false;
    }
    if (!s.isFrozen()) {
      throw Status.FAILED_PRECONDITION.withDescription("session '" + sessionId + "' is not frozen: only "
          + "the old copy of a moved session is released").asRuntimeException();
    }
    tombstones.put(sessionId, new Tombstone(s.principal(), movedTo));
    if (sessions.remove(sessionId, s)) {
      s.close(Operation.StopReason.MOVED);
      LOG.info("session released session={} moved_to={}", sessionId, movedTo);
    }
    return true;
  }

  public Collection<Session> all() {
    return sessions.values();
  }

  public State state() {
    return state;
  }

  public void drain() {
    if (state == State.ACCEPTING) {
      state = State.DRAINING;
      LOG.info("driver draining: no new sessions");
    }
  }

  public void resume() {
    if (state == State.DRAINING) {
      state = State.ACCEPTING;
      LOG.info("driver accepting sessions again");
    }
  }

  public void stopping() {
    state = State.STOPPING;
  }

  public int maxSessions() {
    return maxSessions;
  }

  public int operationsInFlight() {
    int n = 0;
    for (Session s : sessions.values()) {
      n += s.operations().size();
    }
    return n;
  }

  public long runningOperations() {
    long n = 0;
    for (Session s : sessions.values()) {
      n += s.runningOperations();
    }
    return n;
  }

  public void closeAll() {
    for (Session s : sessions.values()) {
      close(s);
    }
  }
}

package dev.baton.operator.session;

import dev.baton.operator.pool.DriverProber;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last state each Spark driver recorded for each of its sessions (its replay journal), so
 * that a session whose driver is lost is re-opened from it rather than from its declared state
 * alone. Drivers stream it as it changes ({@link StateWatches}); when a driver's listing shows a
 * newer version than the one held (its stream is down, lags, or began before the session was
 * known here), the operator asks for it. Kept per session and per driver (the one a lost
 * session re-opens from is its lost driver's), for the sessions of ClientSessions the operator
 * has seen, in the operator's memory within a budget: a session whose record does not fit, or an
 * operator restarted since its last change, re-opens from its declared state and says so.
 */
public final class RecordedStates implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordedStates.class);
  /** Bytes of records the operator keeps at most, over all sessions. */
  static final long DEFAULT_BUDGET = 64L << 20;

  /**
   * A session's state as a driver recorded it, and when it arrived.
   *
   * @param driver the driver pod's name
   * @param version its state version there (versions count per driver)
   * @param streamed whether the driver's stream delivered it (else the operator asked)
   */
  public record Recorded(String driver, long version, SessionSnapshot snapshot, Instant at, boolean streamed) {}

  private final DriverProber prober;
  private final StateWatches watches;
  private final long budget;
  /** By session key: by driver name, its record. A key is present once a ClientSession names it. */
  private final Map<String, Map<String, Recorded>> states = new HashMap<>();
  private long bytes;

  public RecordedStates(DriverProber prober) {
    this(prober, DEFAULT_BUDGET);
  }

  RecordedStates(DriverProber prober, long budget) {
    this.prober = prober;
    this.budget = budget;
    this.watches = new StateWatches(prober, this);
  }

  /**
   * The key of a session: its pool's namespace and name, its principal and its id (ids are chosen
   * by clients: two principals' sessions never share a record).
   */
  public static String key(String namespace, String pool, String principal, String sessionId) {
    return namespace + "/" + pool + "/" + principal.length() + ":" + principal + "/" + sessionId;
  }

  /**
   * The session {@code key} is open on driver {@code driver} ({@code ip}), which listed it with
   * {@code info}: from now on its changes are kept. Makes sure the driver streams its sessions'
   * states; while it does not, fetches this one's if it changed since the last fetch. Records of
   * other drivers, which the session left, are dropped.
   */
  void observe(String key, String namespace, String pool, String driver, String ip, String token, SessionInfo info) {
    long version = info.getStateVersion();
    if (version <= 0) {
      return; // a driver that keeps no record (the reference driver)
    }
    long known = track(key, driver);
    watches.ensure(namespace, pool, driver, ip, token);
    if (known >= version || info.getState() == dev.baton.proto.v1.SessionState.SESSION_FROZEN) {
      // The stream (or the last fetch) brought it; asked only when the stream lags or is down,
      // never while frozen (a copy being rebuilt here is not yet a state to re-open from).
      return;
    }
    SessionSnapshot snapshot;
    try {
      snapshot = prober.stub(ip, token).withDeadlineAfter(10, TimeUnit.SECONDS)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(info.getSessionId()).build());
    } catch (StatusRuntimeException e) {
      LOG.debug("state of session {} not fetched from {}: {}", info.getSessionId(), ip, e.getStatus());
      return;
    }
    // Kept under the listed version: a change made since is fetched at the next look.
    record(key, driver, version, snapshot, false);
  }

  /**
   * Session {@code key} was just opened on Spark driver {@code driver} ({@code ip}): its changes
   * are kept from now on, streamed by the driver, with no wait for the next look at the session.
   */
  void follow(String key, String namespace, String pool, String driver, String ip, String token) {
    synchronized (this) {
      // Other drivers' records stay until the session is seen here (a re-open whose status write
      // fails is tried again, from the same record).
      states.computeIfAbsent(key, k -> new HashMap<>());
    }
    watches.ensure(namespace, pool, driver, ip, token);
  }

  /**
   * Session {@code key} moved from driver {@code from} to Spark driver {@code to}: until {@code to}
   * streams its own, the record of {@code to} is the one {@code from} made (the session was frozen
   * for the move, so it is the state that moved), at version 0 so any of {@code to}'s supersedes it.
   */
  void moved(String key, String from, String namespace, String pool, String to, String ip, String token) {
    synchronized (this) {
      Map<String, Recorded> byDriver = states.computeIfAbsent(key, k -> new HashMap<>());
      Recorded old = from == null ? null : byDriver.get(from);
      if (old != null && !byDriver.containsKey(to) && bytes + old.snapshot().getSerializedSize() <= budget) {
        byDriver.put(to, new Recorded(to, 0, old.snapshot(), old.at(), old.streamed()));
        bytes += old.snapshot().getSerializedSize();
      }
    }
    watches.ensure(namespace, pool, to, ip, token);
  }

  /**
   * Session {@code key} is on driver {@code driver}: its changes are kept from now on, and records
   * of other drivers (which it left) go. Returns the version held from that driver (0 for none).
   */
  synchronized long track(String key, String driver) {
    Map<String, Recorded> byDriver = states.computeIfAbsent(key, k -> new HashMap<>());
    for (var it = byDriver.entrySet().iterator(); it.hasNext();) {
      Map.Entry<String, Recorded> e = it.next();
      if (!e.getKey().equals(driver)) {
        bytes -= e.getValue().snapshot().getSerializedSize();
        it.remove();
      }
    }
    Recorded known = byDriver.get(driver);
    return known == null ? 0 : known.version();
  }

  /** Driver {@code driver} recorded {@code snapshot} at {@code version}: kept if newer than what we hold. */
  synchronized void record(String key, String driver, long version, SessionSnapshot snapshot, boolean streamed) {
    Map<String, Recorded> byDriver = states.get(key);
    if (byDriver == null) {
      return; // no ClientSession names it (yet, or any more): nothing would re-open from it
    }
    Recorded known = byDriver.get(driver);
    if (known != null && known.version() >= version) {
      return;
    }
    long size = snapshot.getSerializedSize();
    long freed = known == null ? 0 : known.snapshot().getSerializedSize();
    if (bytes - freed + size > budget) {
      // Never re-open from an older record than the one the driver has now.
      byDriver.remove(driver);
      bytes -= freed;
      LOG.warn("state of session {} ({} bytes) not kept: the operator's {} bytes of records are in use; if its "
          + "driver is lost it re-opens from its declared state", snapshot.getSessionId(), size, budget);
      return;
    }
    byDriver.put(driver, new Recorded(driver, version, snapshot, Instant.now(), streamed));
    bytes += size - freed;
  }

  /** The last state driver {@code driver} recorded for session {@code key}, if the operator holds it. */
  public synchronized Optional<Recorded> get(String key, String driver) {
    return Optional.ofNullable(states.getOrDefault(key, Map.of()).get(driver));
  }

  /** The session is closed: its records go. */
  synchronized void forget(String key) {
    Map<String, Recorded> gone = states.remove(key);
    if (gone != null) {
      gone.values().forEach(r -> bytes -= r.snapshot().getSerializedSize());
    }
  }

  /** Bytes of records held. */
  synchronized long bytes() {
    return bytes;
  }

  /** Drivers whose state streams are open now, for tests and metrics. */
  public int streams() {
    return watches.live();
  }

  @Override
  public void close() {
    watches.close();
  }
}

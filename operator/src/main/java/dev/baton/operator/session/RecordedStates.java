package dev.baton.operator.session;

import dev.baton.operator.pool.DriverProber;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last state a Spark driver recorded for each of its sessions (its replay journal), fetched
 * when the driver's listing shows it changed, so that a session whose driver is lost is re-opened
 * from it rather than from its declared state alone. Held in the operator's memory, within a
 * budget: a session whose record does not fit, or an operator restarted since the last fetch,
 * re-opens from the declared state and says so.
 */
public final class RecordedStates {
  private static final Logger LOG = LoggerFactory.getLogger(RecordedStates.class);
  /** Bytes of records the operator keeps at most, over all sessions. */
  static final long DEFAULT_BUDGET = 64L << 20;

  /**
   * A session's state as a driver exported it (without freezing it), and when.
   *
   * @param driver the uid of the driver pod it came from: versions count per driver
   */
  public record Recorded(String driver, long version, SessionSnapshot snapshot, Instant at) {}

  private final DriverProber prober;
  private final long budget;
  private final Map<String, Recorded> states = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  public RecordedStates(DriverProber prober) {
    this(prober, DEFAULT_BUDGET);
  }

  RecordedStates(DriverProber prober, long budget) {
    this.prober = prober;
    this.budget = budget;
  }

  /**
   * The driver (pod uid {@code driver}, address {@code ip}) listed the session of ClientSession
   * {@code key} (its uid): fetches its state if it changed since the last fetch from that driver.
   */
  void observe(String key, String driver, String ip, String token, SessionInfo info) {
    long version = info.getStateVersion();
    if (version <= 0) {
      return; // a driver that keeps no record (the reference driver)
    }
    Recorded known = states.get(key);
    if (known != null && known.driver().equals(driver) && known.version() >= version) {
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
    forget(key); // never re-open from an older record than the one the driver has now
    long size = snapshot.getSerializedSize();
    if (bytes.addAndGet(size) > budget) {
      bytes.addAndGet(-size);
      LOG.warn("state of session {} ({} bytes) not kept: the operator's {} bytes of records are in use; if its "
          + "driver is lost it re-opens from its declared state", info.getSessionId(), size, budget);
      return;
    }
    // Kept under the listed version: a change made since is fetched at the next look.
    Recorded previous = states.put(key, new Recorded(driver, version, snapshot, Instant.now()));
    if (previous != null) {
      bytes.addAndGet(-previous.snapshot().getSerializedSize());
    }
  }

  /** The last recorded state of ClientSession {@code key}, if one was fetched. */
  public Optional<Recorded> get(String key) {
    return Optional.ofNullable(states.get(key));
  }

  /** The session is closed (or its record is superseded): its record goes. */
  void forget(String key) {
    Recorded gone = states.remove(key);
    if (gone != null) {
      bytes.addAndGet(-gone.snapshot().getSerializedSize());
    }
  }
}

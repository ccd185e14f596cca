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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last state a Spark driver recorded for each of its sessions (its replay journal), fetched
 * when the driver's listing shows it changed, so that a session whose driver is lost is re-opened
 * from it rather than from its declared state alone. Held in the operator's memory: an operator
 * restarted since the last fetch re-opens from the declared state, and says so.
 */
public final class RecordedStates {
  private static final Logger LOG = LoggerFactory.getLogger(RecordedStates.class);

  /** A session's state as its driver exported it (without freezing it), and when. */
  public record Recorded(long version, SessionSnapshot snapshot, Instant at) {}

  private final DriverProber prober;
  private final Map<String, Recorded> states = new ConcurrentHashMap<>();

  public RecordedStates(DriverProber prober) {
    this.prober = prober;
  }

  /** The driver at {@code ip} listed the session: fetches its state if it changed since the last fetch. */
  void observe(String ip, String token, SessionInfo info) {
    long version = info.getStateVersion();
    if (version <= 0) {
      return; // a driver that keeps no record (the reference driver)
    }
    Recorded known = states.get(info.getSessionId());
    if (known != null && known.version() >= version) {
      return;
    }
    try {
      SessionSnapshot snapshot = prober.stub(ip, token).withDeadlineAfter(10, TimeUnit.SECONDS)
          .exportSession(ExportSessionRequest.newBuilder().setSessionId(info.getSessionId()).build());
      // Kept under the listed version: a change made since is fetched at the next look.
      states.merge(info.getSessionId(), new Recorded(version, snapshot, Instant.now()),
          (old, next) -> old.version() >= next.version() ? old : next);
    } catch (StatusRuntimeException e) {
      LOG.debug("state of session {} not fetched from {}: {}", info.getSessionId(), ip, e.getStatus());
    }
  }

  /** The session's last recorded state, if one was fetched. */
  public Optional<Recorded> get(String sessionId) {
    return Optional.ofNullable(states.get(sessionId));
  }

  /** The session is closed: its record goes. */
  void forget(String sessionId) {
    states.remove(sessionId);
  }
}

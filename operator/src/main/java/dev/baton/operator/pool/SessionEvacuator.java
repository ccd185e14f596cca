package dev.baton.operator.pool;

import dev.baton.proto.v1.CloseSessionRequest;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.SessionInfo;
import dev.baton.proto.v1.SessionSnapshot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the sessions off a draining driver: each session is exported, imported on the least
 * loaded driver that takes sessions, reported to whoever tracks it, then closed on the old
 * driver. A session with a running operation is left for the next round (export refuses it).
 */
public final class SessionEvacuator {
  private static final Logger LOG = LoggerFactory.getLogger(SessionEvacuator.class);

  /** Told where a session went, so its ClientSession status follows. */
  @FunctionalInterface
  public interface MoveListener {
    void moved(String sessionId, DriverView from, DriverView to);
  }

  private final DriverProber prober;

  public SessionEvacuator(DriverProber prober) {
    this.prober = prober;
  }

  /** Moves what it can; returns how many sessions moved. */
  public int evacuate(DriverView from, List<DriverView> targets, String token, MoveListener listener) {
    if (targets.isEmpty() || from.ip() == null) {
      return 0;
    }
    List<SessionInfo> sessions;
    try {
      sessions = prober.stub(from.ip(), token).withDeadlineAfter(5, TimeUnit.SECONDS)
          .listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
    } catch (StatusRuntimeException e) {
      LOG.warn("cannot list sessions of draining driver {}: {}", from.name(), e.getStatus());
      return 0;
    }
    Map<String, Integer> load = new HashMap<>();
    targets.forEach(t -> load.put(t.name(), t.sessions()));
    int moved = 0;
    for (SessionInfo s : sessions) {
      if (s.getOperationsRunning() > 0) {
        continue;
      }
      DriverView to = new ArrayList<>(targets).stream()
          .min(Comparator.comparingInt((DriverView t) -> load.get(t.name())).thenComparing(DriverView::name))
          .orElseThrow();
      try {
        SessionSnapshot snapshot = prober.stub(from.ip(), token).withDeadlineAfter(60, TimeUnit.SECONDS)
            .exportSession(ExportSessionRequest.newBuilder().setSessionId(s.getSessionId()).build());
        try {
          prober.stub(to.ip(), token).withDeadlineAfter(60, TimeUnit.SECONDS).importSession(snapshot);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
            throw e;
          }
        }
        listener.moved(s.getSessionId(), from, to);
        close(from, s, token);
        load.merge(to.name(), 1, Integer::sum);
        moved++;
        LOG.info("session moved session={} from={} to={}", s.getSessionId(), from.name(), to.name());
      } catch (StatusRuntimeException e) {
        LOG.warn("session {} not moved off {} yet: {}", s.getSessionId(), from.name(), e.getStatus());
      }
    }
    return moved;
  }

  private void close(DriverView from, SessionInfo s, String token) {
    try {
      prober.sessions(from.ip(), token, s.getPrincipal()).withDeadlineAfter(10, TimeUnit.SECONDS)
          .closeSession(CloseSessionRequest.newBuilder().setSessionId(s.getSessionId()).build());
    } catch (StatusRuntimeException e) {
      LOG.warn("moved session {} could not be closed on {}: {}", s.getSessionId(), from.name(), e.getStatus());
    }
  }
}

package dev.baton.spark;

import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionStateUpdate;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WatchSessionStates streams of this driver. Every {@link #PERIOD_MILLIS} each watcher is sent
 * the recorded state of every session whose state version grew since it was last sent to it (all
 * of them at first). A session frozen for a move is sent once it serves calls again (its state
 * does not change meanwhile, and an import is sent only once whole); a watcher that cannot take
 * more (flow control) gets the latest state once it can, never a backlog.
 */
final class StateFeed {
  private static final Logger LOG = LoggerFactory.getLogger(StateFeed.class);
  static final long PERIOD_MILLIS = 200;

  private final SessionTable sessions;
  private final Function<TrackedSession, SessionSnapshot> snapshots;
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();

  StateFeed(SessionTable sessions, Function<TrackedSession, SessionSnapshot> snapshots) {
    this.sessions = sessions;
    this.snapshots = snapshots;
  }

  /**
   * Starts sending to a new watcher, until it cancels or {@code authorized} turns false (the token
   * it presented was retired by a rotation: it is then refused, as a new call would be).
   */
  void watch(ServerCallStreamObserver<SessionStateUpdate> stream, BooleanSupplier authorized) {
    Watcher w = new Watcher(stream, authorized);
    stream.setOnCancelHandler(() -> watchers.remove(w));
    watchers.add(w);
  }

  /**
   * Sends what changed to every watcher (run by the plugin's timer, so nothing may escape: a
   * throwable would end the timer's schedule and every stream would go quiet).
   */
  void send() {
    for (Watcher w : watchers) {
      try {
        if (!w.authorized.getAsBoolean()) {
          end(w, io.grpc.Status.UNAUTHENTICATED.withDescription("the token this stream was opened with is no longer "
              + "accepted"));
          continue;
        }
        w.send();
      } catch (Throwable e) {
        // A stream that failed ends; its watcher (the operator) opens another.
        LOG.warn("a session state watcher failed: {}", e.toString());
        end(w, io.grpc.Status.INTERNAL.withDescription("state stream failed: " + e));
      }
    }
  }

  private void end(Watcher w, io.grpc.Status status) {
    watchers.remove(w);
    try {
      w.stream.onError(status.asRuntimeException());
    } catch (RuntimeException ignored) {
      // already closed
    }
  }

  int watchers() {
    return watchers.size();
  }

  private final class Watcher {
    final ServerCallStreamObserver<SessionStateUpdate> stream;
    final BooleanSupplier authorized;
    /** Per copy of a session (identity: a copy imported back here is another object): the version sent. */
    final Map<TrackedSession, Long> sent = new IdentityHashMap<>();

    Watcher(ServerCallStreamObserver<SessionStateUpdate> stream, BooleanSupplier authorized) {
      this.stream = stream;
      this.authorized = authorized;
    }

    synchronized void send() {
      if (stream.isCancelled()) {
        watchers.remove(this);
        return;
      }
      sent.keySet().removeIf(s -> s.state() == TrackedSession.MoveState.RELEASED
          || sessions.get(s.sessionId()).orElse(null) != s);
      for (TrackedSession s : sessions.all()) {
        if (s.state() != TrackedSession.MoveState.ACTIVE) {
          continue;
        }
        long version = s.stateVersion();
        Long last = sent.get(s);
        if (last != null && last >= version) {
          continue;
        }
        if (!stream.isReady()) {
          return; // the rest at the next round, at their latest
        }
        SessionSnapshot snapshot;
        try {
          snapshot = snapshots.apply(s);
        } catch (RuntimeException e) {
          // This session's record is not sent (its version stays unsent: tried again next round);
          // the others still are.
          LOG.warn("session {}: state not streamed: {}", s.sessionId(), e.toString());
          continue;
        }
        stream.onNext(SessionStateUpdate.newBuilder().setSessionId(s.sessionId()).setStateVersion(version)
            .setSnapshot(snapshot).build());
        sent.put(s, version);
      }
    }
  }
}

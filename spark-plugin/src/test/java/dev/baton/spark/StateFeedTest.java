package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionStateUpdate;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateFeedTest {
  private final SessionTable sessions = new SessionTable(Clock.systemUTC(), true);
  private final StateFeed feed = new StateFeed(sessions, s -> SessionSnapshot.newBuilder()
      .setSessionId(s.sessionId()).addAllSparkReplay(s.journal().steps()).build());
  private final Stream stream = new Stream();

  private TrackedSession open(String id) {
    return sessions.forCall(id, "alice", false);
  }

  private static void setConf(TrackedSession s, String key) {
    s.journal().config(key, ByteString.copyFromUtf8(key), "SET " + key);
  }

  private List<String> sent() {
    List<String> ids = stream.updates.stream().map(SessionStateUpdate::getSessionId).toList();
    stream.updates.clear();
    return ids;
  }

  @Test
  void aNewWatcherGetsEverySessionThenOnlyTheOnesThatChanged() {
    TrackedSession a = open("a");
    open("b");
    feed.watch(stream, () -> stream.authorized);
    feed.send();
    assertThat(sent()).containsExactlyInAnyOrder("a", "b");
    feed.send();
    assertThat(sent()).isEmpty();
    setConf(a, "spark.x");
    feed.send();
    assertThat(stream.updates).singleElement().satisfies(u -> {
      assertThat(u.getSessionId()).isEqualTo("a");
      assertThat(u.getStateVersion()).isEqualTo(a.stateVersion());
      assertThat(u.getSnapshot().getSparkReplayList()).extracting(st -> st.getSummary()).containsExactly("SET spark.x");
    });
  }

  @Test
  void aSessionFrozenForAMoveIsSentOnlyOnceItServesCallsAgain() {
    TrackedSession a = open("a");
    a.state(TrackedSession.MoveState.FROZEN, "");
    feed.watch(stream, () -> stream.authorized);
    feed.send();
    assertThat(sent()).isEmpty();
    a.state(TrackedSession.MoveState.ACTIVE, "");
    feed.send();
    assertThat(sent()).containsExactly("a");
  }

  @Test
  void aWatcherThatCannotTakeMoreGetsTheLatestStateOnceItCanNeverABacklog() {
    TrackedSession a = open("a");
    feed.watch(stream, () -> stream.authorized);
    stream.ready = false;
    feed.send();
    setConf(a, "spark.one");
    setConf(a, "spark.two");
    feed.send();
    assertThat(sent()).isEmpty();
    stream.ready = true;
    feed.send();
    assertThat(stream.updates).singleElement().satisfies(u -> assertThat(u.getSnapshot().getSparkReplayList())
        .extracting(st -> st.getSummary()).containsExactly("SET spark.one", "SET spark.two"));
  }

  @Test
  void aSessionImportedBackIsSentAsANewCopyWithAHigherVersion() {
    TrackedSession first = open("a");
    for (int i = 0; i < 5; i++) {
      setConf(first, "spark.k" + i);
    }
    feed.watch(stream, () -> stream.authorized);
    feed.send();
    long before = stream.updates.get(0).getStateVersion();
    sent();
    first.state(TrackedSession.MoveState.RELEASED, "elsewhere");
    TrackedSession back = sessions.importing("a", "alice", "server-id").orElseThrow();
    back.state(TrackedSession.MoveState.ACTIVE, "");
    feed.send();
    assertThat(stream.updates).singleElement().satisfies(u -> assertThat(u.getStateVersion()).isGreaterThan(before));
  }

  @Test
  void aCancelledWatcherIsDropped() {
    open("a");
    feed.watch(stream, () -> stream.authorized);
    stream.cancel();
    feed.send();
    assertThat(feed.watchers()).isZero();
    assertThat(sent()).isEmpty();
  }

  @Test
  void aWatcherWhoseTokenWasRetiredIsRefusedAndGetsNothingMore() {
    TrackedSession a = open("a");
    feed.watch(stream, () -> stream.authorized);
    feed.send();
    sent();
    stream.authorized = false;
    setConf(a, "spark.after.rotation");
    feed.send();
    assertThat(sent()).isEmpty();
    assertThat(io.grpc.Status.fromThrowable(stream.error).getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
    assertThat(feed.watchers()).isZero();
  }

  @Test
  void aSessionWhoseStateCannotBeReadDoesNotStopTheOthers() {
    StateFeed failing = new StateFeed(sessions, s -> {
      if (s.sessionId().equals("bad")) {
        throw new IllegalStateException("unreadable");
      }
      return SessionSnapshot.newBuilder().setSessionId(s.sessionId()).build();
    });
    open("bad");
    open("good");
    failing.watch(stream, () -> true);
    failing.send();
    assertThat(sent()).containsExactly("good");
    assertThat(stream.error).isNull();
  }

  /** The server side of one WatchSessionStates call. */
  private static final class Stream extends ServerCallStreamObserver<SessionStateUpdate> {
    final List<SessionStateUpdate> updates = new ArrayList<>();
    boolean ready = true;
    boolean authorized = true;
    Throwable error;
    private boolean cancelled;
    private Runnable onCancel;

    void cancel() {
      cancelled = true;
      onCancel.run();
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
      onCancel = handler;
    }

    @Override
    public void onNext(SessionStateUpdate value) {
      updates.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    @Override
    public void setOnReadyHandler(Runnable handler) {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}
  }
}

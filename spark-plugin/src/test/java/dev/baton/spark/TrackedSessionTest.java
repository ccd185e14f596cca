package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TrackedSessionTest {
  private static final TrackedSession.RunningOperation QUERY =
      new TrackedSession.RunningOperation(ByteString.EMPTY, Effect.NONE);
  private static final TrackedSession.RunningOperation VIEW =
      new TrackedSession.RunningOperation(ByteString.EMPTY, Effect.createTempView("v", "v"));

  private static TrackedSession session() {
    return new TrackedSession("s", "alice", Instant.EPOCH);
  }

  @Test
  void aFreezeWaitsForAChangeInFlightSoTheExportMissesNothing() {
    TrackedSession s = session();
    assertThat(s.admit(false, null, "op", null, true)).isNull();
    assertThat(s.freeze()).isFalse();
    s.changeDone();
    assertThat(s.freeze()).isTrue();
  }

  @Test
  void aFreezeWaitsForACommandButNotForAQuery() {
    TrackedSession s = session();
    s.admit(false, null, "query", QUERY, false);
    s.admit(false, null, "view", VIEW, false);
    assertThat(s.freeze()).isFalse();
    s.running().remove("view");
    assertThat(s.freeze()).isTrue();
    assertThat(s.operationsRunning()).isEqualTo(1);
  }

  @Test
  void aFrozenSessionServesOnlyItsRunningOperationsAndInternalCalls() {
    TrackedSession s = session();
    s.admit(false, null, "query", QUERY, false);
    assertThat(s.freeze()).isTrue();
    assertThat(s.admit(false, null, "new", QUERY, false)).isEqualTo(TrackedSession.MoveState.FROZEN);
    assertThat(s.admit(false, "query", null, null, false)).isNull();
    assertThat(s.admit(false, "other", null, null, false)).isEqualTo(TrackedSession.MoveState.FROZEN);
    assertThat(s.admit(true, null, null, null, false)).isNull();
    s.state(TrackedSession.MoveState.RELEASED, "new-driver");
    assertThat(s.admit(false, null, null, null, false)).isEqualTo(TrackedSession.MoveState.RELEASED);
  }

  @Test
  void anImportedSessionShowsItsClientTheIdItSawAndTranslatesItBack() {
    TrackedSession s = session();
    s.importedAs("seen-before");
    assertThat(s.clientObserved("seen-before")).isEmpty();
    assertThat(s.serverAnswered("local")).isEqualTo("seen-before");
    assertThat(s.clientObserved("seen-before")).isEqualTo("local");
    assertThat(s.clientObserved("something-else")).isEqualTo("something-else");
  }

  @Test
  void aSessionSparkRecreatedLosesItsJournalAndItsClientSeesTheNewId() {
    TrackedSession s = session();
    assertThat(s.serverAnswered("first")).isEqualTo("first");
    s.journal().command(ByteString.EMPTY, Effect.replay("SET a"));
    assertThat(s.serverAnswered("second")).isEqualTo("second");
    assertThat(s.journal().steps()).isEmpty();
  }
}

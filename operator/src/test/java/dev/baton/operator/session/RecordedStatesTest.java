package dev.baton.operator.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.operator.pool.DriverProber;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SparkReplayStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordedStatesTest {
  private final DriverProber prober = new DriverProber();
  private final RecordedStates states = new RecordedStates(prober, 10_000);
  private final String key = RecordedStates.key("ns", "lake", "alice", "s1");

  @AfterEach
  void close() {
    states.close();
    prober.close();
  }

  private static SessionSnapshot snapshot(String... steps) {
    SessionSnapshot.Builder b = SessionSnapshot.newBuilder().setSessionId("s1").setPrincipal("alice");
    for (String step : steps) {
      b.addSparkReplay(SparkReplayStep.newBuilder().setSummary(step));
    }
    return b.build();
  }

  @Test
  void aStreamedStateIsKeptOnlyForASessionAClientSessionNames() {
    states.record(key, "d1", 3, snapshot("SET a"), true);
    assertThat(states.get(key, "d1")).isEmpty();
    states.track(key, "d1");
    states.record(key, "d1", 3, snapshot("SET a"), true);
    assertThat(states.get(key, "d1")).hasValueSatisfying(r -> {
      assertThat(r.version()).isEqualTo(3);
      assertThat(r.streamed()).isTrue();
    });
  }

  @Test
  void anOlderStateOfTheSameDriverNeverReplacesANewerOne() {
    states.track(key, "d1");
    states.record(key, "d1", 5, snapshot("SET a", "SET b"), true);
    states.record(key, "d1", 4, snapshot("SET a"), false);
    assertThat(states.get(key, "d1")).hasValueSatisfying(r -> assertThat(r.version()).isEqualTo(5));
  }

  @Test
  void eachDriverKeepsItsOwnRecordUntilTheSessionIsSeenOnAnother() {
    states.track(key, "d1");
    states.record(key, "d1", 9, snapshot("SET old"), true);
    // A late update from the driver the session left does not hide the new driver's record.
    states.record(key, "d2", 2, snapshot("SET new"), true);
    assertThat(states.get(key, "d1")).isPresent();
    assertThat(states.get(key, "d2")).hasValueSatisfying(r -> assertThat(r.version()).isEqualTo(2));
    assertThat(states.track(key, "d2")).isEqualTo(2);
    assertThat(states.get(key, "d1")).isEmpty();
  }

  @Test
  void aStateBeyondTheBudgetIsNotKeptAndTheOlderRecordGoesWithIt() {
    states.track(key, "d1");
    states.record(key, "d1", 1, snapshot("SET a"), true);
    states.record(key, "d1", 2, snapshot("x".repeat(20_000)), true);
    assertThat(states.get(key, "d1")).isEmpty();
    assertThat(states.bytes()).isZero();
  }

  @Test
  void aClosedSessionsRecordsGoAndLaterUpdatesAreNotKept() {
    states.track(key, "d1");
    states.record(key, "d1", 1, snapshot("SET a"), true);
    states.forget(key);
    states.record(key, "d1", 2, snapshot("SET a", "SET b"), true);
    assertThat(states.get(key, "d1")).isEmpty();
    assertThat(states.bytes()).isZero();
  }

  @Test
  void twoPrincipalsSessionsWithOneIdNeverShareARecord() {
    String other = RecordedStates.key("ns", "lake", "mallory", "s1");
    assertThat(other).isNotEqualTo(key);
    states.track(key, "d1");
    states.record(key, "d1", 1, snapshot("SET secret"), true);
    states.track(other, "d1");
    assertThat(states.get(other, "d1")).isEmpty();
    states.forget(other);
    assertThat(states.get(key, "d1")).isPresent();
  }

  @Test
  void aMovedSessionsNewDriverHoldsTheStateItMovedWithUntilItStreamsItsOwn() {
    states.track(key, "d1");
    states.record(key, "d1", 7, snapshot("SET a"), true);
    states.moved(key, "d1", "ns", "lake", "d2", "127.0.0.1", "token");
    assertThat(states.get(key, "d2")).hasValueSatisfying(r -> {
      assertThat(r.version()).isZero();
      assertThat(r.snapshot().getSparkReplayList()).extracting(SparkReplayStep::getSummary).containsExactly("SET a");
    });
    states.record(key, "d2", 1L << 32, snapshot("SET a", "SET b"), true);
    assertThat(states.get(key, "d2")).hasValueSatisfying(r -> assertThat(r.snapshot().getSparkReplayCount()).isEqualTo(2));
  }

  @Test
  void followingANewDriverKeepsTheLostDriversRecordForARetriedReopen() {
    states.track(key, "lost");
    states.record(key, "lost", 3, snapshot("SET a"), true);
    states.follow(key, "ns", "lake", "new", "127.0.0.1", "token");
    assertThat(states.get(key, "lost")).isPresent();
  }
}

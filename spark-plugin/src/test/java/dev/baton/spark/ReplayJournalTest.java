package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.SparkReplayStep;
import org.junit.jupiter.api.Test;

class ReplayJournalTest {
  private static final ByteString PLAN = ByteString.copyFromUtf8("plan");

  @Test
  void aConfigKeySetAgainKeepsOnlyItsLastValueUnlessACommandCameBetween() {
    ReplayJournal j = new ReplayJournal();
    j.config("a", ByteString.copyFromUtf8("a=1"), "SET a");
    j.config("b", ByteString.copyFromUtf8("b=1"), "SET b");
    j.config("a", ByteString.copyFromUtf8("a=2"), "SET a");
    j.command(PLAN, Effect.createTempView("v", "view v"));
    j.config("a", ByteString.copyFromUtf8("a=3"), "SET a");
    assertThat(j.steps()).extracting(s -> s.hasConfigOperation() ? s.getConfigOperation().toStringUtf8()
        : s.getSummary()).containsExactly("b=1", "a=2", "view v", "a=3");
  }

  @Test
  void aDropIsReplayedOnlyForATempViewOfTheSession() {
    ReplayJournal j = new ReplayJournal();
    j.command(PLAN, Effect.dropTempView("catalog_view", "DROP VIEW catalog_view"));
    j.command(PLAN, Effect.createTempView("Mine", "CREATE TEMP VIEW Mine"));
    j.command(PLAN, Effect.dropTempView("mine", "DROP VIEW mine"));
    j.command(PLAN, Effect.dropTempView("mine", "DROP VIEW mine"));
    assertThat(j.steps()).extracting(SparkReplayStep::getSummary)
        .containsExactly("CREATE TEMP VIEW Mine", "DROP VIEW mine");
    assertThat(j.tempViews()).isEmpty();
  }

  @Test
  void whatCannotBeReplayedIsReportedOnceAndNothingIsRecordedForAQuery() {
    ReplayJournal j = new ReplayJournal();
    j.command(PLAN, Effect.NONE);
    j.command(PLAN, Effect.notMovable("cached DataFrame (persist)"));
    j.notMovable("cached DataFrame (persist)");
    assertThat(j.steps()).isEmpty();
    assertThat(j.notMoved()).containsExactly("cached DataFrame (persist)");
  }

  @Test
  void aJournalPastItsLimitStopsRecordingAndSaysSo() {
    ReplayJournal j = new ReplayJournal(40);
    j.command(ByteString.copyFrom(new byte[20]), Effect.replay("first"));
    j.command(ByteString.copyFrom(new byte[20]), Effect.replay("second"));
    j.command(ByteString.copyFrom(new byte[1]), Effect.replay("third"));
    assertThat(j.steps()).extracting(SparkReplayStep::getSummary).containsExactly("first");
    assertThat(j.notMoved()).singleElement().asString().contains("40 bytes").contains("second");
  }

  @Test
  void aResetForgetsEverything() {
    ReplayJournal j = new ReplayJournal();
    j.command(PLAN, Effect.createTempView("v", "v"));
    j.notMovable("x");
    j.reset();
    assertThat(j.steps()).isEmpty();
    assertThat(j.notMoved()).isEmpty();
    assertThat(j.tempViews()).isEmpty();
  }
}

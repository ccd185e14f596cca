package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SparkReplayStep;
import dev.baton.proto.v1.TableSnapshot;
import org.junit.jupiter.api.Test;

class ImportPlanTest {
  @Test
  void aReferenceDriversSparkSessionBringsItsConfigAndReportsItsTables() {
    ImportPlan plan = ImportPlan.of(SessionSnapshot.newBuilder().setFormatVersion(3)
        .putSparkConfig("spark.sql.ansi.enabled", "false")
        .addTables(TableSnapshot.newBuilder().setName("t")).build());
    assertThat(plan.steps()).extracting(SparkReplayStep::getSummary).containsExactly("SET spark.sql.ansi.enabled");
    assertThat(plan.notMoved()).containsExactly("table t of the reference driver");
  }

  @Test
  void aPluginSnapshotIsReplayedAsRecorded() {
    SparkReplayStep step = SparkReplayStep.newBuilder().setSummary("x").build();
    ImportPlan plan = ImportPlan.of(SessionSnapshot.newBuilder().setFormatVersion(4).addSparkReplay(step)
        .addNotMoved("cached DataFrame (persist)").build());
    assertThat(plan.steps()).containsExactly(step);
    assertThat(plan.notMoved()).containsExactly("cached DataFrame (persist)");
  }

  @Test
  void olderDuckDbFormatsAndNewerFormatsAreRefused() {
    assertThatThrownBy(() -> ImportPlan.of(SessionSnapshot.newBuilder().setFormatVersion(2).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DuckDB");
    assertThatThrownBy(() -> ImportPlan.of(SessionSnapshot.newBuilder().setFormatVersion(5).build()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("newer");
  }
}

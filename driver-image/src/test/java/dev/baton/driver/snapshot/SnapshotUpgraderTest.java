package dev.baton.driver.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.SessionSnapshot;
import org.junit.jupiter.api.Test;

class SnapshotUpgraderTest {

  @Test
  void formatOneViewsBecomeSqlPlansAndTimeoutIsRenamed() {
    SessionSnapshot v1 = SessionSnapshot.newBuilder().setFormatVersion(1).setSessionId("s")
        .setPrincipal("alice").putConfig("operation_timeout_ms", "1500").putConfig("user.x", "y")
        .putLegacyViewSql("b", "SELECT 2").putLegacyViewSql("a", "SELECT 1").build();
    SessionSnapshot v2 = SnapshotUpgrader.toCurrent(v1);
    assertThat(v2.getFormatVersion()).isEqualTo(3);
    assertThat(v2.getConfigMap()).containsEntry("operation_timeout", "1500ms")
        .containsEntry("user.x", "y").doesNotContainKey("operation_timeout_ms");
    assertThat(v2.getLegacyViewSqlMap()).isEmpty();
    assertThat(v2.getViewsList()).extracting(v -> v.getName()).containsExactly("a", "b");
    assertThat(v2.getViews(0).getPlan().getRoot().getSql().getQuery()).isEqualTo("SELECT 1");
  }

  @Test
  void currentFormatPassesUnchanged() {
    SessionSnapshot v3 = SessionSnapshot.newBuilder().setFormatVersion(3).setSessionId("s")
        .setSparkServerSideSessionId("u").putSparkConfig("spark.a", "b").build();
    assertThat(SnapshotUpgrader.toCurrent(v3)).isEqualTo(v3);
  }

  @Test
  void formatTwoReadsAsThreeWithoutSparkState() {
    SessionSnapshot v2 = SessionSnapshot.newBuilder().setFormatVersion(2).setSessionId("s").build();
    SessionSnapshot v3 = SnapshotUpgrader.toCurrent(v2);
    assertThat(v3.getFormatVersion()).isEqualTo(3);
    assertThat(v3.getSparkServerSideSessionId()).isEmpty();
    assertThat(v3.getSparkConfigMap()).isEmpty();
  }

  @Test
  void newerFormatIsRefusedNotHalfRead() {
    SessionSnapshot v4 = SessionSnapshot.newBuilder().setFormatVersion(4).setExportedBy("9.9").build();
    assertThatThrownBy(() -> SnapshotUpgrader.toCurrent(v4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("format 4 is newer than this driver reads (3)");
    assertThatThrownBy(() -> SnapshotUpgrader.toCurrent(SessionSnapshot.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

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
    assertThat(v2.getFormatVersion()).isEqualTo(2);
    assertThat(v2.getConfigMap()).containsEntry("operation_timeout", "1500ms")
        .containsEntry("user.x", "y").doesNotContainKey("operation_timeout_ms");
    assertThat(v2.getLegacyViewSqlMap()).isEmpty();
    assertThat(v2.getViewsList()).extracting(v -> v.getName()).containsExactly("a", "b");
    assertThat(v2.getViews(0).getPlan().getRoot().getSql().getQuery()).isEqualTo("SELECT 1");
  }

  @Test
  void currentFormatPassesUnchanged() {
    SessionSnapshot v2 = SessionSnapshot.newBuilder().setFormatVersion(2).setSessionId("s").build();
    assertThat(SnapshotUpgrader.toCurrent(v2)).isEqualTo(v2);
  }

  @Test
  void newerFormatIsRefusedNotHalfRead() {
    SessionSnapshot v3 = SessionSnapshot.newBuilder().setFormatVersion(3).setExportedBy("9.9").build();
    assertThatThrownBy(() -> SnapshotUpgrader.toCurrent(v3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("format 3 is newer than this driver reads (2)");
    assertThatThrownBy(() -> SnapshotUpgrader.toCurrent(SessionSnapshot.getDefaultInstance()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

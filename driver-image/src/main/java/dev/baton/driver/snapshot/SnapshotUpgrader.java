package dev.baton.driver.snapshot;

import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.Sql;
import dev.baton.proto.v1.ViewDefinition;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads any snapshot format this driver knows and returns it in the current format. A newer
 * format than ours is refused rather than half-read: importing it would silently drop state.
 */
public final class SnapshotUpgrader {
  /** The format this driver writes. */
  public static final int CURRENT_FORMAT = 3;

  private SnapshotUpgrader() {}

  public static SessionSnapshot toCurrent(SessionSnapshot snapshot) {
    int version = snapshot.getFormatVersion();
    if (version < 1) {
      throw new IllegalArgumentException("snapshot has no format_version");
    }
    if (version > CURRENT_FORMAT) {
      throw new IllegalStateException("snapshot format " + version + " is newer than this driver "
          + "reads (" + CURRENT_FORMAT + "); import it on a driver of the version that wrote it ("
          + snapshot.getExportedBy() + ") or newer");
    }
    SessionSnapshot current = snapshot;
    if (version == 1) {
      current = fromV1(current);
    }
    // Format 3 only added fields (Spark Connect state) that format 2 leaves empty.
    return current.toBuilder().setFormatVersion(CURRENT_FORMAT).build();
  }

  /** Format 1 kept views as SQL text and the timeout in milliseconds. */
  private static SessionSnapshot fromV1(SessionSnapshot v1) {
    Map<String, String> config = new TreeMap<>(v1.getConfigMap());
    String timeoutMs = config.remove("operation_timeout_ms");
    if (timeoutMs != null) {
      config.put("operation_timeout", timeoutMs.strip() + "ms");
    }
    SessionSnapshot.Builder out = v1.toBuilder()
        .setFormatVersion(2)
        .clearConfig()
        .putAllConfig(config)
        .clearLegacyViewSql();
    // Format 1 wrote views in name order; keep that order.
    for (var view : new TreeMap<>(v1.getLegacyViewSqlMap()).entrySet()) {
      out.addViews(ViewDefinition.newBuilder().setName(view.getKey())
          .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder()
              .setSql(Sql.newBuilder().setQuery(view.getValue())))));
    }
    return out.build();
  }
}

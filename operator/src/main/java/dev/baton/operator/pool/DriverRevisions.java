package dev.baton.operator.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.PoolLabels;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.DriverSpec;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A pool's driver revisions, stored as {@code apps/v1} ControllerRevisions (as StatefulSets store
 * theirs): named {@code <pool>-<revision>}, labelled with the pool, holding the driver spec as
 * the user wrote it. Pods are built from the stored spec of their revision, so a rollback has the
 * old spec to build from even after the pool's spec moved on.
 */
public final class DriverRevisions {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private DriverRevisions() {}

  public static String name(String pool, String revision) {
    return pool + "-" + revision;
  }

  /** The stored form of a revision; {@code number} orders revisions (highest is newest). */
  public static ControllerRevision build(DriverPool pool, String revision, DriverSpec driver, String restartedAt,
      long number) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("driver", MAPPER.convertValue(driver, Map.class));
    if (restartedAt != null) {
      data.put("restartedAt", restartedAt);
    }
    String poolName = pool.getMetadata().getName();
    return new ControllerRevisionBuilder().withNewMetadata()
        .withName(name(poolName, revision))
        .withNamespace(pool.getMetadata().getNamespace())
        .addToLabels(PoolLabels.POOL, poolName)
        .addToLabels(PoolLabels.REVISION, revision)
        .addToLabels(PoolLabels.COMPONENT, PoolLabels.REVISION_COMPONENT)
        .addToLabels(PoolLabels.MANAGED_BY, PoolLabels.OPERATOR)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(pool.getApiVersion()).withKind(pool.getKind())
            .withName(poolName).withUid(pool.getMetadata().getUid()).withController(true)
            .withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withData(data)
        .withRevision(number)
        .build();
  }

  /** The driver spec a stored revision holds. */
  public static DriverSpec driverOf(ControllerRevision stored) {
    Object data = stored.getData();
    Object driver = data instanceof Map<?, ?> m ? m.get("driver") : null;
    if (driver == null) {
      throw new IllegalStateException("ControllerRevision " + stored.getMetadata().getName() + " holds no driver spec");
    }
    return MAPPER.convertValue(driver, DriverSpec.class);
  }

  public static Optional<ControllerRevision> find(List<ControllerRevision> stored, String revision) {
    return stored.stream().filter(c -> revision.equals(c.getMetadata().getLabels().get(PoolLabels.REVISION)))
        .findFirst();
  }

  public static long newest(List<ControllerRevision> stored) {
    return stored.stream().mapToLong(c -> c.getRevision() == null ? 0 : c.getRevision()).max().orElse(0);
  }

  /**
   * Which stored revisions to delete so at most {@code limit} remain: oldest first, never one
   * that is kept (current, update, last stable, or run by a pod). Pure.
   */
  public static List<String> prune(List<ControllerRevision> stored, Set<String> keep, int limit) {
    int excess = stored.size() - limit;
    if (excess <= 0) {
      return List.of();
    }
    return stored.stream()
        .filter(c -> !keep.contains(c.getMetadata().getLabels().get(PoolLabels.REVISION)))
        .sorted(Comparator.comparingLong(c -> c.getRevision() == null ? 0 : c.getRevision()))
        .limit(excess)
        .map(c -> c.getMetadata().getName())
        .toList();
  }
}

package dev.baton.operator.pool;

import dev.baton.api.model.RolloutStatus;
import dev.baton.api.model.UpgradeStrategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything {@link RolloutPlanner} decides from: the spec, what status recorded, the observed
 * drivers and the time.
 *
 * @param specRevision the revision of the spec as written now (restart annotation included)
 * @param currentRevision status.currentRevision; null for a new pool
 * @param rollout status.rollout as last written; null if none
 */
public record PoolInput(int replicas, int maxPerDriver, UpgradeStrategy strategy, int maxSurge, int maxUnavailable,
    Duration progressDeadline, boolean autoRollback, boolean paused, String specRevision, String restartedAt,
    String currentRevision, String lastStableRevision, RolloutStatus rollout, List<DriverView> drivers, Instant now) {}

package dev.baton.operator.pool;

import java.util.List;

/**
 * What the operator does next for a pool: drivers to create (at the update revision), drivers
 * to start draining, drained drivers to delete, and the drivers that take new sessions.
 */
public record PoolPlan(int create, List<String> drain, List<String> delete, List<DriverView> endpoints,
    String currentRevision) {}

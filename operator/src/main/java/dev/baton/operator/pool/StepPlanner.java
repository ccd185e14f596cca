package dev.baton.operator.pool;

import dev.baton.api.model.UpgradeStrategy;

/** What one rollout strategy does next, given the fleet. Pure. */
interface StepPlanner {
  Steps next(Fleet fleet, int maxSurge, int maxUnavailable);

  static StepPlanner of(UpgradeStrategy strategy) {
    return switch (strategy == null ? UpgradeStrategy.RollingHandoff : strategy) {
      case RollingHandoff -> new RollingHandoffSteps();
      case BlueGreen -> new BlueGreenSteps();
      case Recreate -> new RecreateSteps();
    };
  }
}

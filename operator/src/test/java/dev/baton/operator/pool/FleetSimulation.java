package dev.baton.operator.pool;

import dev.baton.api.model.RolloutStatus;
import dev.baton.api.model.UpgradeStrategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A pool's drivers played forward step by step against {@link RolloutPlanner}: created drivers
 * serve one step later (unless their revision is broken), a draining driver's sessions move to
 * the least loaded driver of the revision the pool heads to, deleted drivers go. Lets a test
 * check invariants at every step of a whole rollout without a cluster.
 */
final class FleetSimulation {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** A simulated driver. */
  static final class Driver {
    final String name;
    final String revision;
    boolean up;
    boolean draining;
    boolean failed;
    boolean reachable = true;
    boolean cordoned;
    final Map<String, Integer> sessions = new LinkedHashMap<>();
    final Instant created;

    Driver(String name, String revision, boolean up, Instant created) {
      this.name = name;
      this.revision = revision;
      this.up = up;
      this.created = created;
    }

    DriverView view() {
      boolean serves = up && !failed;
      return new DriverView(name, "10.0.0." + (Math.abs(name.hashCode()) % 250), revision, serves, up || failed, false,
          draining, serves && reachable, serves && reachable && !draining, sessions.size(), false, failed, created,
          cordoned);
    }
  }

  int replicas;
  UpgradeStrategy strategy = UpgradeStrategy.RollingHandoff;
  int maxSurge = 1;
  int maxUnavailable = 0;
  Duration deadline = Duration.ofMinutes(10);
  boolean autoRollback = true;
  boolean paused;
  String specRevision;
  String restartedAt;
  /** Revisions whose drivers never serve (a broken image). */
  final List<String> broken = new ArrayList<>();
  final Map<String, Driver> drivers = new LinkedHashMap<>();
  /** Moves per session over the whole run. */
  final Map<String, Integer> moves = new HashMap<>();
  Instant now = T0;
  String currentRevision;
  String lastStableRevision;
  RolloutStatus rollout;
  PoolPlan last;
  final List<PoolPlan.PlanEvent> events = new ArrayList<>();
  private int counter;

  FleetSimulation(int replicas, String revision, int sessionsPerDriver) {
    this.replicas = replicas;
    this.specRevision = revision;
    this.currentRevision = revision;
    this.lastStableRevision = revision;
    for (int i = 0; i < replicas; i++) {
      Driver d = add(revision, true);
      for (int s = 0; s < sessionsPerDriver; s++) {
        d.sessions.put("s" + i + "-" + s, 0);
      }
    }
  }

  Driver add(String revision, boolean up) {
    Driver d = new Driver(revision + "-" + (counter++), revision, up, now.plusMillis(counter));
    drivers.put(d.name, d);
    return d;
  }

  PoolInput input() {
    return new PoolInput(replicas, 1000, strategy, maxSurge, maxUnavailable, deadline, autoRollback, paused,
        specRevision, restartedAt, currentRevision, lastStableRevision, rollout,
        drivers.values().stream().map(Driver::view).toList(), now);
  }

  /** One reconcile, then the world moves on by {@code elapsed}. */
  PoolPlan step(Duration elapsed, Consumer<PoolPlan> check) {
    PoolPlan plan = RolloutPlanner.plan(input());
    last = plan;
    events.addAll(plan.events());
    currentRevision = plan.currentRevision();
    lastStableRevision = plan.lastStableRevision();
    rollout = plan.rollout();
    check.accept(plan);
    // Drivers created earlier start serving now; those created now serve next step.
    for (Driver d : drivers.values()) {
      if (!d.up && !d.failed && !broken.contains(d.revision)) {
        d.up = true;
      }
    }
    for (int i = 0; i < plan.create(); i++) {
      add(plan.createRevision(), false);
    }
    plan.drain().forEach(n -> drivers.get(n).draining = true);
    plan.delete().forEach(drivers::remove);
    // Sessions on draining drivers move to the least loaded serving driver of the target revision.
    for (Driver from : drivers.values()) {
      if (!from.draining || !from.reachable) {
        continue;
      }
      for (String s : new ArrayList<>(from.sessions.keySet())) {
        Driver to = drivers.values().stream()
            .filter(d -> d.up && !d.draining && !d.failed && !d.cordoned && d.revision.equals(plan.updateRevision()))
            .min(Comparator.comparingInt((Driver d) -> d.sessions.size()).thenComparing(d -> d.name)).orElse(null);
        if (to == null) {
          break;
        }
        from.sessions.remove(s);
        to.sessions.put(s, 0);
        moves.merge(s, 1, Integer::sum);
      }
    }
    now = now.plus(elapsed);
    return plan;
  }

  /** Steps until the check says stop, at most {@code max} times; returns the steps taken. */
  int runUntil(java.util.function.Predicate<FleetSimulation> done, int max, Consumer<PoolPlan> check) {
    for (int i = 0; i < max; i++) {
      if (done.test(this)) {
        return i;
      }
      step(Duration.ofSeconds(5), check);
    }
    throw new AssertionError("not done after " + max + " steps; last plan " + last + "; drivers "
        + drivers.values().stream().map(d -> d.name + (d.up ? "+" : "-") + (d.draining ? "D" : "") + d.sessions.size())
            .toList());
  }

  long serving(String revision) {
    return drivers.values().stream().filter(d -> d.up && !d.draining && !d.failed && d.revision.equals(revision))
        .count();
  }

  long upServing() {
    return drivers.values().stream().filter(d -> d.up && !d.draining && !d.failed).count();
  }

  int sessions() {
    return drivers.values().stream().mapToInt(d -> d.sessions.size()).sum();
  }

  boolean allAt(String revision) {
    return drivers.size() == replicas && drivers.values().stream()
        .allMatch(d -> d.revision.equals(revision) && d.up && !d.draining);
  }
}

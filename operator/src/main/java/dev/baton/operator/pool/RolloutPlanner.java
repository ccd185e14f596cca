package dev.baton.operator.pool;

import dev.baton.api.model.RolloutPhase;
import dev.baton.api.model.RolloutStatus;
import dev.baton.api.model.UpgradeStrategy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Decides a pool's next step and the status that describes it, from {@link PoolInput} alone.
 * Pure: the reconciler observes, asks here, writes the status, then acts.
 *
 * <ul>
 *   <li>The pool heads for the revision of its spec, unless that revision was rolled back: then
 *       it stays on its last stable revision until the spec changes.
 *   <li>A rollout starts when the pool heads somewhere its drivers are not; an edit mid-rollout
 *       re-targets it (drivers of any other revision are outdated and are handed over).
 *   <li>Progress is a fresh driver serving, a session leaving an outdated driver, or an outdated
 *       driver removed. None within progressDeadline: with autoRollback the pool returns to its
 *       last stable revision, else the rollout stops where it is and old drivers keep serving.
 *   <li>Paused: no new step; moves under way finish; paused time does not count.
 *   <li>The strategy ({@link StepPlanner}) decides which drivers to create, drain or delete.
 * </ul>
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  public static PoolPlan plan(PoolInput in) {
    List<PoolPlan.PlanEvent> events = new ArrayList<>();
    Instant now = in.now().truncatedTo(ChronoUnit.SECONDS);
    RolloutStatus prev = in.rollout();
    String target = target(in.specRevision(), prev, in.lastStableRevision());
    Fleet fleet = Fleet.of(target, in.replicas(), in.drivers());
    String current = in.currentRevision() == null ? target : in.currentRevision();
    String lastStable = in.lastStableRevision();

    RolloutStatus r = prev == null ? null : prev.copy();
    boolean wanted = !target.equals(current) || !fleet.outdated().isEmpty() || r != null && underway(r.getPhase())
        || r != null && r.getPhase() == RolloutPhase.Failed && !target.equals(r.getRevision());
    if (wanted) {
      if (r == null || !target.equals(r.getRevision()) || r.getPhase() == RolloutPhase.Complete
          || r.getPhase() == RolloutPhase.RolledBack) {
        boolean retarget = r != null && underway(r.getPhase());
        String failed = r != null && in.specRevision().equals(r.getFailedRevision()) ? r.getFailedRevision() : null;
        r = start(in, target, current, RolloutPhase.Progressing, failed, now);
        events.add(new PoolPlan.PlanEvent(false, retarget ? "RolloutRetargeted" : "RolloutStarted",
            (retarget ? "rollout re-targeted to revision " : "rolling out revision ") + target + " from "
                + current + " (" + r.getStrategy() + ")"));
      }
      track(r, fleet, now);
      if (in.paused() && (r.getPhase() == RolloutPhase.Progressing || r.getPhase() == RolloutPhase.RollingBack)) {
        r.setPhase(RolloutPhase.Paused);
        r.setPausedAt(now.toString());
        events.add(new PoolPlan.PlanEvent(false, "RolloutPaused", "rollout to " + target
            + " paused; moves under way finish, no new step starts"));
      } else if (!in.paused() && r.getPhase() == RolloutPhase.Paused) {
        Instant pausedAt = r.getPausedAt() == null ? now : Instant.parse(r.getPausedAt());
        Instant last = Instant.parse(r.getLastProgressTime());
        r.setLastProgressTime(last.plus(Duration.between(pausedAt, now)).toString());
        r.setPausedAt(null);
        r.setPhase(r.getFailedRevision() != null && !target.equals(in.specRevision()) ? RolloutPhase.RollingBack
            : RolloutPhase.Progressing);
        events.add(new PoolPlan.PlanEvent(false, "RolloutResumed", "rollout to " + target + " resumed"));
      }
      if (underwayUnpaused(r.getPhase())
          && now.isAfter(Instant.parse(r.getLastProgressTime()).plus(in.progressDeadline()))) {
        events.add(new PoolPlan.PlanEvent(true, "ProgressDeadlineExceeded", "no progress toward revision "
            + target + " since " + r.getLastProgressTime() + " (progressDeadline " + in.progressDeadline() + ")"));
        if (r.getPhase() == RolloutPhase.Progressing && in.autoRollback() && lastStable != null
            && !lastStable.equals(target)) {
          String failed = target;
          target = lastStable;
          fleet = Fleet.of(target, in.replicas(), in.drivers());
          r = start(in, target, current, RolloutPhase.RollingBack, failed, now);
          track(r, fleet, now);
          events.add(new PoolPlan.PlanEvent(true, "RollingBack", "rolling back from revision " + failed
              + " to the last stable revision " + target + "; " + failed + " is not tried again until spec.driver changes"));
        } else {
          r.setPhase(RolloutPhase.Failed);
        }
      }
      if (underwayUnpaused(r.getPhase()) && fleet.settled() && fleet.live().size() == in.replicas()) {
        boolean back = r.getPhase() == RolloutPhase.RollingBack;
        r.setPhase(back ? RolloutPhase.RolledBack : RolloutPhase.Complete);
        current = target;
        lastStable = target;
        events.add(new PoolPlan.PlanEvent(back, back ? "RolledBack" : "RolloutComplete", back
            ? "back on revision " + target + " after revision " + r.getFailedRevision() + " failed; "
                + r.getSessionsMoved() + " sessions moved"
            : "all " + in.replicas() + " drivers at revision " + target + "; " + r.getSessionsMoved()
                + " sessions moved"));
      }
    } else if (fleet.settled() && target.equals(current) && !Objects.equals(lastStable, current)) {
      lastStable = current; // a new pool (or one from before revisions were kept) that came up whole
    }

    RolloutPhase phase = r == null ? null : r.getPhase();
    Steps steps;
    String createRevision = target;
    if (phase == RolloutPhase.Paused) {
      steps = new Steps(Math.max(0, in.replicas() - fleet.serving().size()), List.of(), List.of());
    } else if (phase == RolloutPhase.Failed) {
      // Old drivers keep serving and nothing more is removed; lost ones are replaced at the old revision.
      createRevision = r.getFromRevision();
      String from = createRevision;
      long old = fleet.serving().stream().filter(d -> d.revision().equals(from)).count();
      steps = new Steps(createRevision == null ? 0 : (int) Math.max(0, in.replicas() - old), List.of(), List.of());
    } else {
      UpgradeStrategy strategy = r != null && underway(phase) ? r.getStrategy() : in.strategy();
      if (strategy == UpgradeStrategy.Recreate && target.equals(current)) {
        // Same revision (a cordoned node): the drivers can hand their sessions over, so they do.
        strategy = UpgradeStrategy.RollingHandoff;
      }
      steps = StepPlanner.of(strategy).next(fleet, in.maxSurge(), in.maxUnavailable());
    }

    List<String> delete = Stream.concat(steps.delete().stream(), fleet.live().stream()
        .filter(d -> d.failed() || d.draining() && (!d.started() || d.reachable() && d.sessions() == 0))
        .map(DriverView::name)).distinct().toList();
    List<DriverView> endpoints = endpoints(fleet, steps.drain(), delete, in.maxPerDriver());
    return new PoolPlan(steps.create(), createRevision, steps.drain(), delete, endpoints, current, target, lastStable,
        r, progressing(in, r, fleet, steps, target, current), complete(in, r, fleet, target), List.copyOf(events));
  }

  /** The spec's revision, unless it was rolled back: then the last stable one, until the spec changes. */
  static String target(String specRevision, RolloutStatus rollout, String lastStable) {
    if (rollout != null && specRevision.equals(rollout.getFailedRevision()) && lastStable != null) {
      return lastStable;
    }
    return specRevision;
  }

  private static boolean underway(RolloutPhase p) {
    return p == RolloutPhase.Progressing || p == RolloutPhase.RollingBack || p == RolloutPhase.Paused;
  }

  private static boolean underwayUnpaused(RolloutPhase p) {
    return p == RolloutPhase.Progressing || p == RolloutPhase.RollingBack;
  }

  private static RolloutStatus start(PoolInput in, String target, String current, RolloutPhase phase, String failed,
      Instant now) {
    RolloutStatus r = new RolloutStatus();
    r.setRevision(target);
    r.setFromRevision(current);
    r.setStrategy(in.strategy() == null ? UpgradeStrategy.RollingHandoff : in.strategy());
    r.setPhase(phase);
    r.setStartedAt(now.toString());
    r.setLastProgressTime(now.toString());
    r.setSessionsMoved(0);
    r.setFailedRevision(failed);
    r.setRestartedAt(in.restartedAt());
    return r;
  }

  /**
   * Counts what the fleet shows. Progress is a new best of this rollout: more drivers of its
   * revision serving at once than ever, or fewer sessions left on drivers to replace than ever
   * (so a driver that flaps, or sessions opened and closed on old drivers, never postpone the
   * deadline; an old driver emptied and removed shows as its sessions leaving). A stopped rollout
   * resumes when a new driver serves after all (room was made, the image became pullable).
   */
  private static void track(RolloutStatus r, Fleet fleet, Instant now) {
    if (r.getPhase() == RolloutPhase.Complete || r.getPhase() == RolloutPhase.RolledBack) {
      return;
    }
    int updated = (int) fleet.freshUp();
    int toMove = fleet.sessionsToMove();
    boolean first = r.getMostDriversUpdated() == null;
    boolean newDriver = !first && updated > r.getMostDriversUpdated();
    boolean fewerSessions = !first && toMove < r.getFewestSessionsToMove();
    if (fewerSessions) {
      r.setSessionsMoved((r.getSessionsMoved() == null ? 0 : r.getSessionsMoved()) + r.getFewestSessionsToMove() - toMove);
    }
    r.setMostDriversUpdated(first ? updated : Math.max(updated, r.getMostDriversUpdated()));
    r.setFewestSessionsToMove(first ? toMove : Math.min(toMove, r.getFewestSessionsToMove()));
    r.setDriversUpdated(updated);
    r.setDriversTotal(fleet.replicas());
    r.setSessionsToMove(toMove);
    r.setDriversToReplace(fleet.outdated().size());
    if (r.getPhase() == RolloutPhase.Failed && newDriver) {
      r.setPhase(r.getFailedRevision() != null ? RolloutPhase.RollingBack : RolloutPhase.Progressing);
    }
    if ((newDriver || fewerSessions) && underwayUnpaused(r.getPhase())) {
      r.setLastProgressTime(now.toString());
    }
  }

  /**
   * Drivers that take new sessions: serving, answering, accepting and under the per-driver
   * limit; of the target revision when any of those is up (so new sessions never need a move),
   * otherwise whatever serves, so the pool stays usable while its new drivers start.
   */
  private static List<DriverView> endpoints(Fleet fleet, List<String> drain, List<String> delete, int maxPerDriver) {
    List<DriverView> open = fleet.serving().stream()
        .filter(d -> !drain.contains(d.name()) && !delete.contains(d.name()))
        .filter(d -> d.up() && d.ip() != null && d.sessions() < maxPerDriver && !d.cordoned())
        .sorted(Comparator.comparing(DriverView::name)).toList();
    List<DriverView> fresh = open.stream().filter(d -> d.revision().equals(fleet.target())).toList();
    return fresh.isEmpty() ? open : fresh;
  }

  private static String progress(RolloutStatus r) {
    return r.getDriversUpdated() + "/" + r.getDriversTotal() + " drivers updated, " + r.getSessionsMoved()
        + " sessions moved, " + r.getSessionsToMove() + " to move";
  }

  private static PoolPlan.Verdict progressing(PoolInput in, RolloutStatus r, Fleet fleet, Steps steps,
      String target, String current) {
    RolloutPhase phase = r == null ? null : r.getPhase();
    if (phase == RolloutPhase.Progressing) {
      return new PoolPlan.Verdict(true, "RolloutInProgress", "rolling from revision " + r.getFromRevision() + " to "
          + target + " (" + r.getStrategy() + "): " + progress(r));
    }
    if (phase == RolloutPhase.Paused) {
      return new PoolPlan.Verdict(false, "Paused", "rollout to revision " + target + " paused (spec.upgrade.paused): "
          + progress(r));
    }
    if (phase == RolloutPhase.RollingBack) {
      return new PoolPlan.Verdict(false, "RolledBack", "revision " + r.getFailedRevision()
          + " made no progress within progressDeadline; rolling back to " + target + ": " + progress(r));
    }
    if (phase == RolloutPhase.Failed) {
      return new PoolPlan.Verdict(false, "ProgressDeadlineExceeded", "no progress toward revision " + target
          + " since " + r.getLastProgressTime() + "; drivers of " + r.getFromRevision()
          + " keep serving and none is removed until spec.driver changes");
    }
    if (phase == RolloutPhase.RolledBack && in.specRevision().equals(r.getFailedRevision())) {
      return new PoolPlan.Verdict(false, "RolledBack", "revision " + r.getFailedRevision()
          + " made no progress within progressDeadline and was rolled back; the pool stays on " + current
          + " and does not try " + r.getFailedRevision() + " again until spec.driver changes");
    }
    if (fleet.serving().size() != in.replicas() || fleet.live().size() != in.replicas() || !steps.drain().isEmpty()
        || fleet.freshUp() != fleet.fresh().size()) {
      return new PoolPlan.Verdict(true, "Scaling", "scaling to " + in.replicas() + " drivers ("
          + fleet.serving().size() + " present, " + fleet.freshUp() + " serving)");
    }
    return new PoolPlan.Verdict(true, "NewRevisionAvailable", "all " + in.replicas() + " drivers at revision "
        + current);
  }

  private static PoolPlan.Verdict complete(PoolInput in, RolloutStatus r, Fleet fleet, String target) {
    RolloutPhase phase = r == null ? null : r.getPhase();
    if (!target.equals(in.specRevision())) {
      return new PoolPlan.Verdict(false, "RolledBack", "revision " + in.specRevision()
          + " was rolled back; the pool runs " + target);
    }
    if (phase == RolloutPhase.Failed) {
      return new PoolPlan.Verdict(false, "ProgressDeadlineExceeded", "the rollout to " + target + " stopped");
    }
    if (phase == RolloutPhase.Paused) {
      return new PoolPlan.Verdict(false, "Paused", "the rollout to " + target + " is paused");
    }
    if (phase == RolloutPhase.Progressing) {
      return new PoolPlan.Verdict(false, "RolloutInProgress", "rolling out " + target + ": " + progress(r));
    }
    if (!fleet.settled() || fleet.live().size() != in.replicas()) {
      return new PoolPlan.Verdict(false, "Scaling", fleet.freshUp() + " of " + in.replicas()
          + " drivers serve at revision " + target);
    }
    return new PoolPlan.Verdict(true, "RolloutComplete", "all " + in.replicas() + " drivers serve at revision "
        + target + (in.restartedAt() == null ? "" : " (restartedAt " + in.restartedAt() + ")"));
  }
}

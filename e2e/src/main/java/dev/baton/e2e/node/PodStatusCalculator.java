package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The status the local node reports for a pod, computed from its runtime. Condition transition
 * times are kept from the previous status when the condition did not change, so an unchanged pod
 * yields an equal status and causes no write.
 */
final class PodStatusCalculator {
  static final String HOST_IP = "127.0.0.1";

  private PodStatusCalculator() {}

  static String time(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static PodStatus compute(Pod pod, PodRuntime rt, Instant now) {
    List<ContainerStatus> statuses = new ArrayList<>();
    boolean allReady = true;
    boolean anyRunning = false;
    boolean anyWaiting = false;
    boolean allFinished = true;
    boolean anyFailed = false;
    for (ContainerRuntime c : rt.containers) {
      ContainerState state;
      if (c.imageError != null) {
        state = new ContainerStateBuilder().withNewWaiting().withReason("ErrImagePull")
            .withMessage(c.imageError).endWaiting().build();
        anyWaiting = true;
      } else if (c.running()) {
        state = new ContainerStateBuilder().withNewRunning().withStartedAt(time(c.startedAt)).endRunning().build();
        anyRunning = true;
      } else if (c.finished && c.lastExit != null) {
        state = terminated(c.lastExit);
      } else {
        String reason = c.restartCount > 0 ? "CrashLoopBackOff" : "ContainerCreating";
        state = new ContainerStateBuilder().withNewWaiting().withReason(reason)
            .withMessage(c.restartCount > 0 ? "back-off restarting failed container " + c.spec.getName() : null)
            .endWaiting().build();
        anyWaiting = true;
      }
      boolean ready = c.ready();
      allReady &= ready;
      allFinished &= c.finished;
      anyFailed |= c.finished && c.lastExit != null && c.lastExit.exitCode() != 0;
      ContainerStatusBuilder cs = new ContainerStatusBuilder()
          .withName(c.spec.getName())
          .withImage(c.spec.getImage())
          .withImageID("local://" + c.spec.getImage())
          .withContainerID(c.process != null ? "local://" + c.process.pid() : null)
          .withReady(ready)
          .withStarted(c.running() && c.started())
          .withRestartCount(c.restartCount)
          .withState(state);
      if (c.lastExit != null && !c.finished) {
        cs.withLastState(terminated(c.lastExit));
      }
      statuses.add(cs.build());
    }
    String phase;
    if (allFinished && !rt.containers.isEmpty()) {
      phase = anyFailed ? "Failed" : "Succeeded";
    } else if (anyRunning || (!anyWaiting)) {
      phase = "Running";
    } else {
      phase = statuses.stream().anyMatch(s -> s.getRestartCount() > 0) ? "Running" : "Pending";
    }
    PodStatus previous = pod.getStatus();
    List<PodCondition> conditions = List.of(
        condition(previous, "PodScheduled", true, now),
        condition(previous, "Initialized", true, now),
        condition(previous, "ContainersReady", allReady, now),
        condition(previous, "Ready", allReady, now));
    return new PodStatusBuilder()
        .withPhase(phase)
        .withHostIP(HOST_IP)
        .withHostIPs(new HostIP(HOST_IP))
        .withPodIP(rt.ip)
        .withPodIPs(new PodIP(rt.ip))
        .withStartTime(time(rt.startTime))
        .withQosClass(previous == null ? null : previous.getQosClass())
        .withConditions(conditions)
        .withContainerStatuses(statuses)
        .build();
  }

  private static ContainerState terminated(ContainerRuntime.Exit exit) {
    return new ContainerStateBuilder().withNewTerminated().withExitCode(exit.exitCode()).withReason(exit.reason())
        .withStartedAt(time(exit.startedAt())).withFinishedAt(time(exit.finishedAt())).endTerminated().build();
  }

  private static PodCondition condition(PodStatus previous, String type, boolean value, Instant now) {
    String status = value ? "True" : "False";
    String since = time(now);
    if (previous != null && previous.getConditions() != null) {
      for (PodCondition c : previous.getConditions()) {
        if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    PodCondition c = new PodCondition();
    c.setType(type);
    c.setStatus(status);
    c.setLastTransitionTime(since);
    if (!value && (type.equals("Ready") || type.equals("ContainersReady"))) {
      c.setReason("ContainersNotReady");
    }
    return c;
  }
}

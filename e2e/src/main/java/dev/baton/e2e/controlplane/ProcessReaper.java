package dev.baton.e2e.controlplane;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kills every process the harness started if the test JVM exits without stopping them (a
 * crashed or interrupted run must not leave an apiserver or a driver behind).
 */
public final class ProcessReaper {
  private static final Set<Process> TRACKED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process p : TRACKED) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }, "baton-process-reaper"));
  }

  private ProcessReaper() {}

  static void track(Process p) {
    TRACKED.add(p);
    p.onExit().thenRun(() -> TRACKED.remove(p));
  }

  /** Public entry for other harness packages (the local node's containers). */
  public static void register(Process p) {
    track(p);
  }
}

package dev.baton.driver.session;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stops operations that have worked longer than their session's operation timeout, and repeats
 * the stop of any stopped operation still running: a cancel that reached the engine before its
 * statement began is lost there, so it is sent again until the operation ends.
 */
public final class OperationWatchdog implements AutoCloseable {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "operation-watchdog");
    t.setDaemon(true);
    return t;
  });

  public OperationWatchdog(SessionRegistry registry) {
    timer.scheduleWithFixedDelay(() -> {
      for (Session s : registry.all()) {
        long limit = s.config().operationTimeout().toNanos();
        for (Operation op : s.operations()) {
          if (op.isFinished()) {
            continue;
          }
          Operation.StopReason stopped = op.stopReason();
          if (stopped != null) {
            op.stop(stopped);
          } else if (op.clock().activeNanos() > limit) {
            op.stop(Operation.StopReason.TIMED_OUT);
          }
        }
      }
    }, 50, 50, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

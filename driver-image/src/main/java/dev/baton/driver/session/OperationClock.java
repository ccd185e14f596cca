package dev.baton.driver.session;

/**
 * Measures how long an operation has been working, leaving out the time its producer waited for
 * the client to release results: a slow reader must not make a query time out.
 */
public final class OperationClock {
  private final long startedAt = System.nanoTime();
  private long waited;
  private long waitStartedAt = -1;
  private long stoppedAt = -1;

  synchronized void pause() {
    if (waitStartedAt < 0) {
      waitStartedAt = System.nanoTime();
    }
  }

  synchronized void resume() {
    if (waitStartedAt >= 0) {
      waited += System.nanoTime() - waitStartedAt;
      waitStartedAt = -1;
    }
  }

  synchronized void stop() {
    if (stoppedAt < 0) {
      resume();
      stoppedAt = System.nanoTime();
    }
  }

  /** Nanoseconds spent working so far. */
  public synchronized long activeNanos() {
    long now = stoppedAt >= 0 ? stoppedAt : System.nanoTime();
    long currentWait = waitStartedAt >= 0 ? now - waitStartedAt : 0;
    return now - startedAt - waited - currentWait;
  }
}

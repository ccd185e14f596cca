package dev.baton.driver.session;

/**
 * The bytes of unreleased results a session may hold. A producer that would exceed it waits
 * until the client releases results: backpressure, never loss. One response is always admitted
 * when nothing is buffered, so a single batch larger than the budget cannot wedge a session.
 */
public final class ResultBudget {
  private final long limit;
  private long used;

  public ResultBudget(long limit) {
    this.limit = limit;
  }

  /** Waits until {@code bytes} fit; interruptible so a cancelled producer stops waiting. */
  public synchronized void acquire(long bytes) throws InterruptedException {
    while (used > 0 && used + bytes > limit) {
      wait();
    }
    used += bytes;
  }

  public synchronized void release(long bytes) {
    used -= bytes;
    notifyAll();
  }

  public synchronized long used() {
    return used;
  }

  public long limit() {
    return limit;
  }
}

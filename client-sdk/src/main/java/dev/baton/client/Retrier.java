package dev.baton.client;

import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a call, trying again on retryable failures as the {@link RetryPolicy} says. */
final class Retrier {
  private static final Logger LOG = LoggerFactory.getLogger(Retrier.class);
  private final RetryPolicy policy;
  private final long deadlineNanos;
  private int attempt;

  Retrier(RetryPolicy policy) {
    this.policy = policy;
    this.deadlineNanos = System.nanoTime() + policy.deadline().toNanos();
  }

  static <T> T call(RetryPolicy policy, String what, Supplier<T> call) {
    Retrier retrier = new Retrier(policy);
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        retrier.awaitRetry(what, e);
      }
    }
  }

  /** Progress was made: the next failure starts the backoff again. */
  void reset() {
    attempt = 0;
  }

  /** Waits before the next try, or throws the failure when it is final or time is up. */
  void awaitRetry(String what, StatusRuntimeException failure) {
    if (!RetryPolicy.isRetryable(failure)) {
      throw BatonException.from(failure);
    }
    attempt++;
    Duration wait = policy.backoff(attempt, failure);
    if (System.nanoTime() + wait.toNanos() > deadlineNanos) {
      throw new BatonException(failure.getStatus().getCode(), what + " failed after " + attempt
          + " attempt(s) within " + policy.deadline() + ": " + failure.getStatus().getDescription(),
          failure);
    }
    LOG.debug("{} failed ({}), retry {} in {} ms", what, failure.getStatus(), attempt, wait.toMillis());
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException(io.grpc.Status.Code.CANCELLED, what + " interrupted", e);
    }
  }
}

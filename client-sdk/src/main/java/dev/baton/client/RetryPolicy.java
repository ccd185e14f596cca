package dev.baton.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long the SDK waits before trying again: exponential backoff with jitter, capped,
 * within an overall deadline per call. A server's {@code google.rpc.RetryInfo} delay is honoured
 * when it asks for longer than the backoff would wait.
 *
 * @param initialBackoff wait before the first retry
 * @param maxBackoff longest wait between two tries
 * @param multiplier growth of the wait per attempt
 * @param deadline how long one call may keep retrying before it fails
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, double multiplier,
    Duration deadline) {

  /** 50 ms doubling to 5 s, giving up after 2 minutes: enough to ride through a driver handoff. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(Duration.ofMillis(50), Duration.ofSeconds(5), 2.0, Duration.ofMinutes(2));
  }

  /** Never retries: errors reach the caller at once. */
  public static RetryPolicy none() {
    return new RetryPolicy(Duration.ZERO, Duration.ZERO, 1.0, Duration.ZERO);
  }

  public RetryPolicy withDeadline(Duration newDeadline) {
    return new RetryPolicy(initialBackoff, maxBackoff, multiplier, newDeadline);
  }

  /**
   * Whether a failure is worth another try: the server or the path to it was unavailable. That
   * includes a connection that closed under the call, which grpc-java reports as UNAVAILABLE or,
   * on some paths, as UNKNOWN "channel closed" (a {@link java.nio.channels.ClosedChannelException}):
   * the same event, so both are retried. Either may come after the server received the request;
   * docs/errors.md says which calls that matters for.
   */
  public static boolean isRetryable(Throwable t) {
    if (!(t instanceof StatusRuntimeException e)) {
      return false;
    }
    Status s = e.getStatus();
    return s.getCode() == Status.Code.UNAVAILABLE
        || s.getCode() == Status.Code.UNKNOWN && s.getCause() instanceof java.nio.channels.ClosedChannelException;
  }

  /** The wait before attempt {@code attempt} (1 = first retry). */
  public Duration backoff(int attempt, Throwable failure) {
    double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
    long capped = (long) Math.min(base, maxBackoff.toMillis());
    // Full jitter on the upper half, so many clients retrying together spread out.
    long jittered = capped / 2 + (capped > 1 ? ThreadLocalRandom.current().nextLong(capped / 2 + 1) : 0);
    Duration wait = Duration.ofMillis(jittered);
    Duration asked = serverDelay(failure);
    return asked != null && asked.compareTo(wait) > 0 ? asked : wait;
  }

  /** The delay a server asked for in {@code google.rpc.RetryInfo}, if any. */
  static Duration serverDelay(Throwable failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return null;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          var d = detail.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException ignored) {
          return null;
        }
      }
    }
    return null;
  }
}

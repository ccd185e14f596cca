package dev.baton.proto.v1;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Optional;

/**
 * The statuses a driver answers for a session that is being moved or has moved, as documented
 * in docs/errors.md. Both are UNAVAILABLE (retryable) with a {@code google.rpc.ErrorInfo} of
 * domain {@value #DOMAIN} naming what happened, and a {@code RetryInfo} delay. A call answered
 * with either was not executed, so a router may send it again to the session's new driver.
 */
public final class MoveStatus {
  /** ErrorInfo domain of Baton's own reasons. */
  public static final String DOMAIN = "baton.dev";
  /** The session is frozen for a move: the call was not executed; it will run on the new driver. */
  public static final String SESSION_MOVING = "SESSION_MOVING";
  /** The session moved away from this driver: the call was not executed; send it to the new one. */
  public static final String SESSION_MOVED = "SESSION_MOVED";
  /**
   * A stream of an operation that ran here was cut because its session moved: the operation and
   * its results are on the new driver (reattach there). Not "not run": never re-sent blindly.
   */
  public static final String OPERATION_MOVED = "OPERATION_MOVED";
  /** No such session on this driver (never here, closed, or gone with a restart). */
  public static final String SESSION_NOT_FOUND = "SESSION_NOT_FOUND";
  /** An operation still running when its session had to move (drainTimeout) was stopped. */
  public static final String OPERATION_STOPPED_FOR_MOVE = "OPERATION_STOPPED_FOR_MOVE";

  private MoveStatus() {}

  /** UNAVAILABLE, reason SESSION_MOVING, retry after {@code retryMillis}. */
  public static StatusRuntimeException moving(String sessionId, long retryMillis) {
    return error(Code.UNAVAILABLE, SESSION_MOVING, "session '" + sessionId
        + "' is being moved to another driver; the call was not run: retry (a gateway does so itself)",
        sessionId, retryMillis);
  }

  /** UNAVAILABLE, reason SESSION_MOVED. */
  public static StatusRuntimeException moved(String sessionId, String movedTo, long retryMillis) {
    return error(Code.UNAVAILABLE, SESSION_MOVED, "session '" + sessionId + "' moved to another driver"
        + (movedTo == null || movedTo.isEmpty() ? "" : " (" + movedTo + ")")
        + "; the call was not run: retry through the pool's gateway", sessionId, retryMillis);
  }

  /** UNAVAILABLE, reason OPERATION_MOVED: reattach on the session's new driver. */
  public static StatusRuntimeException operationMoved(String sessionId) {
    return error(Code.UNAVAILABLE, OPERATION_MOVED, "session '" + sessionId + "' moved to another driver with this "
        + "operation and its results: reattach (the SDK does so itself)", sessionId, 100);
  }

  /** NOT_FOUND, reason SESSION_NOT_FOUND. */
  public static StatusRuntimeException sessionNotFound(String sessionId) {
    return error(Code.NOT_FOUND, SESSION_NOT_FOUND, "no session '" + sessionId + "' on this driver", sessionId, 0);
  }

  /** ABORTED, reason OPERATION_STOPPED_FOR_MOVE: what the caller of a stopped operation reads. */
  public static StatusRuntimeException stoppedForMove(String sessionId, String why) {
    return error(Code.ABORTED, OPERATION_STOPPED_FOR_MOVE, "operation stopped: " + why
        + "; the session itself moved and keeps working: run the operation again", sessionId, 0);
  }

  private static StatusRuntimeException error(Code code, String reason, String message, String sessionId,
      long retryMillis) {
    com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(reason)
            .putMetadata("session_id", sessionId).build()));
    if (retryMillis > 0) {
      s.addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder()
          .setSeconds(retryMillis / 1000).setNanos((int) (retryMillis % 1000) * 1_000_000)).build()));
    }
    return StatusProto.toStatusRuntimeException(s.build());
  }

  /** The Baton reason a status carries in its trailers, if any. */
  public static Optional<String> reason(Status status, Metadata trailers) {
    if (trailers == null) {
      return Optional.empty();
    }
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
    for (Any a : details.getDetailsList()) {
      if (a.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = a.unpack(ErrorInfo.class);
          if (DOMAIN.equals(info.getDomain())) {
            return Optional.of(info.getReason());
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** Whether a driver said it holds no such session (as opposed to no such operation or view). */
  public static boolean sessionNotFound(Status status, Metadata trailers) {
    return status.getCode() == Status.Code.NOT_FOUND
        && reason(status, trailers).filter(SESSION_NOT_FOUND::equals).isPresent();
  }

  /** Whether a call closed with this status was not run because its session is moving or moved. */
  public static boolean notRunBecauseMoving(Status status, Metadata trailers) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    return reason(status, trailers).filter(r -> r.equals(SESSION_MOVING) || r.equals(SESSION_MOVED)).isPresent();
  }
}

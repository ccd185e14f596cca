package dev.baton.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A failed Baton call: the gRPC status code and the driver's (or gateway's) message. See
 * docs/errors.md for which failure carries which code.
 */
public class BatonException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Status.Code code;

  public BatonException(Status.Code code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  static BatonException from(StatusRuntimeException e) {
    Status s = e.getStatus();
    return new BatonException(s.getCode(), s.getDescription() == null ? s.getCode().name()
        : s.getDescription(), e);
  }

  /** The gRPC status code, e.g. INVALID_ARGUMENT for a bad plan. */
  public Status.Code code() {
    return code;
  }
}

package dev.baton.driver.service;

import dev.baton.driver.engine.EngineErrors;
import dev.baton.driver.engine.EngineException;
import dev.baton.driver.plan.PlanException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns any failure inside the driver into the status a client should see (docs/errors.md). */
public final class StatusErrors {
  private static final Logger LOG = LoggerFactory.getLogger(StatusErrors.class);

  private StatusErrors() {}

  public static Status toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus();
    }
    if (t instanceof PlanException) {
      return Status.INVALID_ARGUMENT.withDescription("invalid plan: " + t.getMessage());
    }
    if (t instanceof EngineException ee) {
      return EngineErrors.toStatus(ee.sqlException());
    }
    if (t instanceof SQLException sql) {
      return EngineErrors.toStatus(sql);
    }
    if (t instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage());
    }
    if (t instanceof IllegalStateException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage());
    }
    if (t instanceof InterruptedException) {
      return Status.CANCELLED.withDescription("interrupted");
    }
    LOG.error("unexpected failure", t);
    return Status.INTERNAL.withDescription("driver error: " + t).withCause(t);
  }

  /** Runs a unary call body, answering with its result or its failure as a status. */
  static <T> void unary(StreamObserver<T> observer, Body<T> body) {
    T result;
    try {
      result = body.run();
    } catch (Throwable t) {
      // A status error keeps its trailers: typed details (a move's ErrorInfo, RetryInfo) travel in them.
      observer.onError(t instanceof StatusRuntimeException sre ? sre : toStatus(t).asRuntimeException());
      return;
    }
    observer.onNext(result);
    observer.onCompleted();
  }

  /** A call body that may throw. */
  @FunctionalInterface
  interface Body<T> {
    T run() throws Exception;
  }
}

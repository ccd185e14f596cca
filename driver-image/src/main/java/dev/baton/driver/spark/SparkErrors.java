package dev.baton.driver.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.baton.driver.engine.EngineException;
import dev.baton.driver.plan.PlanException;
import dev.baton.driver.service.StatusErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Turns failures into the statuses Spark Connect clients read: the code, a message beginning
 * with {@code [ERROR_CLASS]}, and a {@code google.rpc.ErrorInfo} whose metadata names the error
 * class, the exception classes, the SQL state and the message parameters (PySpark builds its
 * exception from these). A status that already carries typed details (a session being moved)
 * is passed on unchanged: the gateway and the client act on those.
 */
public final class SparkErrors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SparkErrors() {}

  public static StatusRuntimeException toError(Throwable t) {
    if (t instanceof StatusRuntimeException sre) {
      if (StatusProto.fromThrowable(sre) != null && !StatusProto.fromThrowable(sre).getDetailsList().isEmpty()) {
        return sre;
      }
      return forStatus(sre.getStatus());
    }
    if (t instanceof SparkError e) {
      return build(e);
    }
    if (t instanceof EngineException ee) {
      return forEngine(ee.sqlException());
    }
    if (t instanceof SQLException sql) {
      return forEngine(sql);
    }
    if (t instanceof PlanException) {
      return build(SparkError.invalidPlan(t.getMessage()));
    }
    return forStatus(StatusErrors.toStatus(t));
  }

  /** A baton status (a refused call, a limit) in Spark's shape. */
  private static StatusRuntimeException forStatus(Status status) {
    String errorClass = switch (status.getCode()) {
      case NOT_FOUND -> "NOT_FOUND";
      case PERMISSION_DENIED -> "PERMISSION_DENIED";
      case ALREADY_EXISTS -> "OPERATION_ALREADY_EXISTS";
      case FAILED_PRECONDITION -> "FAILED_PRECONDITION";
      case RESOURCE_EXHAUSTED -> "RESOURCE_EXHAUSTED";
      case CANCELLED -> "OPERATION_CANCELED";
      case DEADLINE_EXCEEDED -> "OPERATION_TIMED_OUT";
      case UNAUTHENTICATED -> "UNAUTHENTICATED";
      case INVALID_ARGUMENT -> "CONNECT_INVALID_PLAN.INVALID_INPUT";
      case UNIMPLEMENTED -> "UNSUPPORTED_CONNECT_FEATURE";
      default -> "INTERNAL_ERROR";
    };
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      return status.asRuntimeException(); // retryable as it is
    }
    String exception = status.getCode() == Status.Code.INVALID_ARGUMENT ? SparkError.ILLEGAL_ARGUMENT
        : SparkError.SPARK;
    return build(new SparkError(status.getCode(), exception, errorClass, "", String.valueOf(
        status.getDescription()), Map.of()));
  }

  /** A DuckDB error, classed as Spark would class the same mistake. */
  static StatusRuntimeException forEngine(SQLException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    String m = message.strip();
    SparkError error;
    if (m.contains("[DIVIDE_BY_ZERO]")) {
      error = new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.ARITHMETIC, "DIVIDE_BY_ZERO", "22012",
          "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead.", Map.of());
    } else if (m.startsWith("Parser Error") || m.startsWith("Syntax Error")) {
      error = new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.PARSE, "PARSE_SYNTAX_ERROR", "42601",
          message, Map.of());
    } else if (m.startsWith("Binder Error") && m.contains("not found")) {
      error = SparkError.analysis("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", "42703", message);
    } else if (m.startsWith("Catalog Error") && (m.contains("does not exist") || m.contains("not exist"))) {
      String cls = m.contains("Function") || m.contains("function") ? "UNRESOLVED_ROUTINE" : "TABLE_OR_VIEW_NOT_FOUND";
      error = SparkError.analysis(cls, cls.equals("UNRESOLVED_ROUTINE") ? "42883" : "42P01", message);
    } else if (m.startsWith("Catalog Error") && m.contains("already exists")) {
      error = SparkError.analysis("TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", message);
    } else if (m.startsWith("Binder Error") || m.startsWith("Catalog Error") || m.startsWith("Type Error")) {
      error = SparkError.analysis("DATATYPE_MISMATCH", "42K09", message);
    } else if (m.startsWith("Out of Range Error") || m.contains("Overflow")) {
      error = new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.ARITHMETIC, "ARITHMETIC_OVERFLOW",
          "22003", message, Map.of());
    } else if (m.startsWith("Conversion Error") || m.startsWith("Invalid Input Error")) {
      error = new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.NUMBER_FORMAT, "CAST_INVALID_INPUT",
          "22018", message, Map.of());
    } else {
      Status status = dev.baton.driver.engine.EngineErrors.toStatus(e);
      return forStatus(status);
    }
    return build(error);
  }

  static StatusRuntimeException build(SparkError e) {
    String message = "[" + e.errorClass() + "] " + e.getMessage();
    if (message.length() > 4000) {
      message = message.substring(0, 4000) + "...";
    }
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(e.exceptionClass()).setDomain("org.apache.spark")
        .putMetadata("classes", json(List.of(e.exceptionClass())))
        .putMetadata("errorClass", e.errorClass())
        .putMetadata("messageParameters", json(e.parameters()));
    if (!e.sqlState().isEmpty()) {
      info.putMetadata("sqlState", e.sqlState());
    }
    com.google.rpc.Status proto = com.google.rpc.Status.newBuilder().setCode(e.code().value())
        .setMessage(message).addDetails(Any.pack(info.build())).build();
    return StatusProto.toStatusRuntimeException(proto);
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }
}

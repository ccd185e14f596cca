package dev.baton.driver.engine;

import io.grpc.Status;
import java.sql.SQLException;

/**
 * Maps DuckDB's errors to gRPC status codes. DuckDB prefixes each message with its error class
 * ("Binder Error: ..."), which is what the mapping reads; the message itself reaches the client.
 */
public final class EngineErrors {
  private EngineErrors() {}

  public static Status toStatus(SQLException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    String firstLine = message.lines().findFirst().orElse(message);
    Status.Code code = codeFor(firstLine);
    return Status.fromCode(code).withDescription(trim(message));
  }

  static Status.Code codeFor(String message) {
    String m = message.strip();
    if (m.startsWith("Out of Memory Error")) {
      return Status.Code.RESOURCE_EXHAUSTED;
    }
    if (m.startsWith("INTERRUPT Error")) {
      return Status.Code.CANCELLED;
    }
    if (m.startsWith("Permission Error")) {
      return Status.Code.PERMISSION_DENIED;
    }
    if (m.startsWith("Not implemented Error")) {
      return Status.Code.UNIMPLEMENTED;
    }
    if (m.startsWith("Constraint Error")) {
      return Status.Code.FAILED_PRECONDITION;
    }
    for (String invalid : new String[] {"Binder Error", "Parser Error", "Catalog Error",
        "Conversion Error", "Invalid Input Error", "Syntax Error", "Type Error", "IO Error",
        "Invalid type Error", "Out of Range Error", "Dependency Error", "Sequence Error",
        "Invalid Error"}) {
      if (m.startsWith(invalid)) {
        return Status.Code.INVALID_ARGUMENT;
      }
    }
    return Status.Code.INTERNAL;
  }

  private static String trim(String message) {
    return message.length() > 4000 ? message.substring(0, 4000) + "..." : message;
  }
}

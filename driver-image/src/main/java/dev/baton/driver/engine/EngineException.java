package dev.baton.driver.engine;

import java.sql.SQLException;

/** An engine error raised where a checked exception cannot pass (inside plan compilation). */
public final class EngineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EngineException(SQLException cause) {
    super(cause.getMessage(), cause);
  }

  public SQLException sqlException() {
    return (SQLException) getCause();
  }
}

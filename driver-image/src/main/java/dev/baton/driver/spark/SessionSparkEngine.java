package dev.baton.driver.spark;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** {@link SparkEngine} over a session's DuckDB database; callers hold the session's engine. */
final class SessionSparkEngine implements SparkEngine {
  private final SessionEngine engine;

  SessionSparkEngine(SessionEngine engine) {
    this.engine = engine;
  }

  @Override
  public List<Column> describe(String sql) {
    try {
      List<Column> out = new ArrayList<>();
      for (SessionEngine.Column c : engine.describe(sql)) {
        out.add(new Column(c.name(), c.type()));
      }
      return out;
    } catch (SQLException e) {
      throw new EngineException(e);
    }
  }

  /**
   * Local data is kept as a temporary table named by its content, so the same data sent again
   * (a re-run plan) reuses it, and it moves with the session like any table.
   */
  @Override
  public String localTable(byte[] arrowStream) {
    String name = "_baton_local_" + sha256(arrowStream).substring(0, 32);
    try {
      if (!engine.hasTable(name)) {
        engine.importTable(name, true, arrowStream);
      }
      return name;
    } catch (SQLException e) {
      throw new EngineException(e);
    } catch (Exception e) {
      throw SparkError.invalidPlan("local data is not a readable Arrow IPC stream: " + e.getMessage());
    }
  }

  @Override
  public Rows rows(String sql, int limit) {
    try {
      List<String> columns = new ArrayList<>();
      for (SessionEngine.Column c : engine.describe(sql)) {
        columns.add(c.name());
      }
      return new Rows(columns, engine.renderRows(sql, limit, SparkCells::render));
    } catch (SQLException e) {
      throw new EngineException(e);
    }
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

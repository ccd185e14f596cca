package dev.baton.driver.spark;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import java.sql.SQLException;
import java.util.ArrayList;
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
    String name = "_baton_local_" + SparkConnectService.sha256(arrowStream).substring(0, 32);
    try {
      if (!engine.hasTable(name)) {
        validate(arrowStream);
        engine.importTable(name, true, arrowStream);
      }
      return name;
    } catch (SQLException e) {
      throw new EngineException(e);
    } catch (Exception e) {
      throw SparkError.invalidPlan("local data is not a readable Arrow IPC stream: " + e.getMessage());
    }
  }

  /**
   * Checks every buffer of a client's Arrow data (offsets, lengths, validity) before the engine's
   * native code reads it: a stream that parses but points outside its buffers must be refused
   * here, not followed in native memory. Dictionary-encoded columns are refused: their indices
   * point into a separate dictionary that the engine's scan does not bounds-check, and Spark
   * clients never send them.
   */
  static void validate(byte[] arrowStream) throws Exception {
    try (org.apache.arrow.memory.BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator(
            64L << 20);
        org.apache.arrow.vector.ipc.ArrowStreamReader reader = new org.apache.arrow.vector.ipc.ArrowStreamReader(
            new java.io.ByteArrayInputStream(arrowStream), allocator)) {
      for (org.apache.arrow.vector.types.pojo.Field f : reader.getVectorSchemaRoot().getSchema().getFields()) {
        refuseDictionaries(f);
      }
      while (reader.loadNextBatch()) {
        org.apache.arrow.vector.util.ValueVectorUtility.validateFull(reader.getVectorSchemaRoot());
      }
    }
  }

  private static void refuseDictionaries(org.apache.arrow.vector.types.pojo.Field field) {
    if (field.getDictionary() != null) {
      throw new IllegalArgumentException("a column is dictionary-encoded; send plain values");
    }
    field.getChildren().forEach(SessionSparkEngine::refuseDictionaries);
  }

  @Override
  public Rows rows(String sql, int limit) {
    try {
      List<String> columns = new ArrayList<>();
      for (SessionEngine.Column c : engine.describe(sql)) {
        columns.add(c.name());
      }
      // Rendered text lives in the JVM heap, outside the session's memory limit: bounded here.
      long[] chars = {0};
      return new Rows(columns, engine.renderRows(sql, limit, (value, type) -> {
        String cell = SparkCells.render(value, type);
        chars[0] += cell.length();
        if (chars[0] > SparkPlanLimits.MAX_SQL_CHARS) {
          throw SparkError.invalidPlan("show() would render more than " + SparkPlanLimits.MAX_SQL_CHARS
              + " characters; show fewer rows or truncate the cells");
        }
        return cell;
      }));
    } catch (SQLException e) {
      throw new EngineException(e);
    }
  }
}

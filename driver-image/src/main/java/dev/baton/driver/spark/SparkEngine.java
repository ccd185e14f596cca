package dev.baton.driver.spark;

import java.util.List;

/**
 * What compiling a Spark plan asks of the session's engine. Implemented over the session's
 * DuckDB database; the compiler calls it only while it holds the session's engine.
 */
interface SparkEngine {
  /** A result column: its name and DuckDB type name. */
  record Column(String name, String type) {}

  /** Rows rendered as Spark shows them, with the column names. */
  record Rows(List<String> columns, List<List<String>> rows) {}

  /** The columns a query yields, without running it. */
  List<Column> describe(String sql);

  /** Keeps a client's local data (an Arrow IPC stream) as a table and returns its name. */
  String localTable(byte[] arrowStream);

  /** Runs a query and renders at most {@code limit} rows. */
  Rows rows(String sql, int limit);
}

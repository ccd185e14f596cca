package dev.baton.driver.engine;

import dev.baton.driver.session.SessionConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * One session's embedded DuckDB database. Each session gets its own in-memory database, so its
 * memory limit, thread count, tables and views are its own. Settings are applied once and then
 * locked, so the session's SQL cannot raise its limits or reach outside its sandbox.
 *
 * <p>Not thread-safe: the session runs one statement at a time (see {@code Session#engineLock}).
 */
public final class SessionEngine implements AutoCloseable {
  private static final AtomicLong IMPORT_COUNTER = new AtomicLong();

  private final DuckDBConnection connection;
  private final BufferAllocator allocator;
  private final Path scratch;
  private volatile Statement running;

  private SessionEngine(DuckDBConnection connection, BufferAllocator allocator, Path scratch) {
    this.connection = connection;
    this.allocator = allocator;
    this.scratch = scratch;
  }

  /** Opens a fresh database with the session's limits and sandbox, then locks its settings. */
  public static SessionEngine open(String sessionId, SessionConfig config, EngineSandbox sandbox,
      BufferAllocator parentAllocator) throws SQLException {
    Path scratch = sandbox.scratchRoot().resolve(sessionId);
    try {
      Files.createDirectories(scratch);
    } catch (IOException e) {
      throw new SQLException("cannot create scratch directory " + scratch + ": " + e.getMessage(), e);
    }
    Connection raw = DriverManager.getConnection("jdbc:duckdb:");
    DuckDBConnection conn = raw.unwrap(DuckDBConnection.class);
    try (Statement st = conn.createStatement()) {
      List<String> allowed = new ArrayList<>();
      for (Path p : sandbox.dataDirectories()) {
        allowed.add(quoteString(p.toAbsolutePath().toString() + "/"));
      }
      allowed.add(quoteString(scratch.toAbsolutePath() + "/"));
      st.execute("SET memory_limit = " + quoteString(config.memoryLimitBytes() + "B"));
      st.execute("SET threads = " + config.threads());
      st.execute("SET temp_directory = " + quoteString(scratch.toAbsolutePath().toString()));
      st.execute("SET max_temp_directory_size = " + quoteString(config.spillLimitBytes() + "B"));
      st.execute("SET allowed_directories = [" + String.join(", ", allowed) + "]");
      st.execute("SET enable_external_access = false");
      st.execute("SET autoinstall_known_extensions = false");
      st.execute("SET autoload_known_extensions = false");
      st.execute("SET lock_configuration = true");
    } catch (SQLException e) {
      conn.close();
      throw e;
    }
    BufferAllocator allocator = parentAllocator.newChildAllocator("session-" + sessionId, 0, Long.MAX_VALUE);
    return new SessionEngine(conn, allocator, scratch);
  }

  private static String quoteString(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** Runs a statement that returns no rows we keep (DDL, views). */
  public void execute(String sql) throws SQLException {
    try (Statement st = connection.createStatement()) {
      running = st;
      st.execute(sql);
    } finally {
      running = null;
    }
  }

  /**
   * Refuses SQL outside the session's sandbox ({@link SqlSandbox}); nothing runs. Every text
   * that reaches the engine from a plan or a view passes here first.
   */
  public void check(String sql, SqlSandbox.Use use) throws SQLException {
    SqlSandbox.check(connection, sql, use);
  }

  /** The output column names of a query, without running it. */
  public List<String> columnsOf(String sql) throws SQLException {
    check(sql, SqlSandbox.Use.QUERY);
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM (" + sql + "\n) AS \"_cols\" LIMIT 0")) {
      ResultSetMetaData md = rs.getMetaData();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        names.add(md.getColumnName(i));
      }
      return names;
    }
  }

  /** A result column: its name and DuckDB type. */
  public record Column(String name, String type) {}

  /** The output columns of a query and their types, without running it. */
  public List<Column> describe(String sql) throws SQLException {
    check(sql, SqlSandbox.Use.QUERY);
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM (" + sql + "\n) AS \"_cols\" LIMIT 0")) {
      ResultSetMetaData md = rs.getMetaData();
      List<Column> out = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        out.add(new Column(md.getColumnName(i), md.getColumnTypeName(i)));
      }
      return out;
    }
  }

  /** A query's result schema as Arrow types it, without running the query. */
  public org.apache.arrow.vector.types.pojo.Schema arrowSchema(String sql) throws Exception {
    check(sql, SqlSandbox.Use.QUERY);
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM (" + sql + "\n) AS \"_schema\" LIMIT 0");
        ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, 1024)) {
      return reader.getVectorSchemaRoot().getSchema();
    }
  }

  /** Renders one value of a result as text. */
  @FunctionalInterface
  public interface CellRenderer {
    String render(Object value, String duckType);
  }

  /** Runs a query and renders at most {@code limit} rows of it as text. */
  public List<List<String>> renderRows(String sql, int limit, CellRenderer renderer) throws SQLException {
    check(sql, SqlSandbox.Use.QUERY);
    List<List<String>> rows = new ArrayList<>();
    try (Statement st = connection.createStatement()) {
      running = st;
      try (ResultSet rs = st.executeQuery("SELECT * FROM (" + sql + "\n) AS \"_rows\" LIMIT " + limit)) {
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        while (rs.next()) {
          List<String> row = new ArrayList<>(n);
          for (int i = 1; i <= n; i++) {
            Object v = rs.getObject(i);
            row.add(renderer.render(v, md.getColumnTypeName(i)));
          }
          rows.add(row);
        }
      }
    } finally {
      running = null;
    }
    return rows;
  }

  /** Whether the session has a table of this name in schema main. */
  public boolean hasTable(String name) throws SQLException {
    try (var st = connection.prepareStatement("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
        + "AND table_name = ?")) {
      st.setString(1, name);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }
  }

  /** Receives a query's output as Arrow batches. */
  public interface BatchSink {
    void schema(VectorSchemaRoot root) throws Exception;

    void batch(VectorSchemaRoot root) throws Exception;
  }

  /**
   * Runs a statement and hands its rows to the sink in Arrow batches of at most {@code batchRows}.
   * A statement without a result (DDL, INSERT) yields a one-column result {@code Count} with the
   * number of rows it changed, so every operation has a schema.
   */
  public void query(String sql, int batchRows, BatchSink sink) throws Exception {
    check(sql, SqlSandbox.Use.STATEMENT);
    try (Statement st = connection.createStatement()) {
      running = st;
      if (Thread.currentThread().isInterrupted()) {
        // Stopped while the statement was being checked: its cancel found nothing to cancel.
        throw new SQLException("INTERRUPT Error: stopped before the statement began");
      }
      boolean hasResult = st.execute(sql);
      if (!hasResult) {
        long changed = Math.max(st.getUpdateCount(), 0);
        try (Statement count = connection.createStatement()) {
          running = count;
          try (ResultSet rs = count.executeQuery("SELECT CAST(" + changed + " AS BIGINT) AS \"Count\"")) {
            stream((DuckDBResultSet) rs, batchRows, sink);
          }
        }
        return;
      }
      try (ResultSet rs = st.getResultSet()) {
        stream((DuckDBResultSet) rs, batchRows, sink);
      }
    } finally {
      running = null;
    }
  }

  private void stream(DuckDBResultSet rs, int batchRows, BatchSink sink) throws Exception {
    try (ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      sink.schema(root);
      while (reader.loadNextBatch()) {
        sink.batch(root);
      }
    }
  }

  /** Stops the statement now running, if any; it then fails with an interrupt error. */
  public void cancelRunning() {
    Statement st = running;
    if (st != null) {
      try {
        st.cancel();
      } catch (SQLException ignored) {
        // The statement finished or closed meanwhile: nothing to cancel.
      }
    }
  }

  /** A user table of the session's database. */
  public record TableRef(String database, String name, boolean temporary) {
    String qualified() {
      return quoteIdent(database) + ".\"main\"." + quoteIdent(name);
    }
  }

  static String quoteIdent(String s) {
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** The session's tables in schema main (temporary and not), oldest first. */
  public List<TableRef> tables() throws SQLException {
    List<TableRef> out = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT database_name, table_name, temporary FROM duckdb_tables() "
            + "WHERE NOT internal AND schema_name = 'main' ORDER BY table_oid")) {
      while (rs.next()) {
        out.add(new TableRef(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
      }
    }
    return out;
  }

  /** A table's rows as an Arrow IPC stream; fails when it grows past {@code maxBytes}. */
  public byte[] exportTable(TableRef table, long maxBytes) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM " + table.qualified());
        ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, 65536);
        ArrowStreamWriter writer = new ArrowStreamWriter(reader.getVectorSchemaRoot(), null,
            Channels.newChannel(out))) {
      writer.start();
      while (reader.loadNextBatch()) {
        writer.writeBatch();
        if (out.size() > maxBytes) {
          throw new TableTooLargeException(table.name(), maxBytes);
        }
      }
      writer.end();
    }
    return out.toByteArray();
  }

  /** Creates a table from an Arrow IPC stream written by {@link #exportTable}. */
  public void importTable(String name, boolean temporary, byte[] arrowStream) throws Exception {
    String scan = "_baton_import_" + IMPORT_COUNTER.incrementAndGet();
    try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(arrowStream), allocator);
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator)) {
      Data.exportArrayStream(allocator, reader, stream);
      connection.registerArrowStream(scan, stream);
      try {
        execute("CREATE " + (temporary ? "TEMP " : "") + "TABLE " + quoteIdent(name)
            + " AS SELECT * FROM " + quoteIdent(scan));
      } finally {
        // The scan is a view over the stream, which is freed below: left behind, reading it
        // would follow freed memory.
        execute("DROP VIEW IF EXISTS " + quoteIdent(scan));
      }
    }
  }

  @Override
  public void close() {
    cancelRunning();
    try {
      connection.close();
    } catch (SQLException ignored) {
      // Closing a database that failed is still a close.
    }
    allocator.close();
    try (Stream<Path> files = Files.walk(scratch)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Scratch files are best-effort; the directory is per session and recreated on demand.
    }
  }

  /** A table larger than a snapshot may carry. */
  public static final class TableTooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TableTooLargeException(String table, long maxBytes) {
      super("table '" + table + "' is larger than the snapshot limit of " + maxBytes + " bytes");
    }
  }
}

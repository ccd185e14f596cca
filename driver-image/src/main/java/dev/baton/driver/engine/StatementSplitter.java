package dev.baton.driver.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a SQL text with DuckDB's own parser ({@code duckdb_extract_statements} of its C API):
 * how many statements it holds and, where it binds without the session's tables, which kind of
 * statement it is. Nothing is run. JDBC offers no such call, and preparing a text runs every
 * statement but its last, so raw SQL is split here before the session's engine sees it.
 *
 * <p>The C API lives in the native library duckdb_jdbc has already loaded; it is found through
 * {@code /proc/self/maps} and opened again by JNA, which shares the loaded copy. Statements are
 * parsed and bound on a database of its own that holds no data and may touch no file, so binding
 * a statement that would create a directory ({@code EXPORT}) fails here instead.
 */
final class StatementSplitter {
  /** The few C API functions used. */
  interface DuckDbC extends Library {
    int duckdb_open(String path, PointerByReference database);

    int duckdb_connect(Pointer database, PointerByReference connection);

    long duckdb_extract_statements(Pointer connection, String query, PointerByReference extracted);

    String duckdb_extract_statements_error(Pointer extracted);

    void duckdb_destroy_extracted(PointerByReference extracted);

    int duckdb_prepare_extracted_statement(Pointer connection, Pointer extracted, long index,
        PointerByReference prepared);

    int duckdb_prepared_statement_type(Pointer prepared);

    void duckdb_destroy_prepare(PointerByReference prepared);

    int duckdb_query(Pointer connection, String sql, Pointer result);
  }

  /**
   * What the parser found: the number of statements and, for a single statement that binds
   * without the session's tables, its kind (DuckDB's {@code duckdb_statement_type}).
   */
  record Parsed(int statements, int statementType) {
    static final int UNKNOWN = -1;
  }

  private static StatementSplitter instance;

  private final DuckDbC c;
  /** Connections to the parser's database, one per concurrent check: a long text delays no other. */
  private final BlockingQueue<Pointer> connections;

  private StatementSplitter(DuckDbC c, BlockingQueue<Pointer> connections) {
    this.c = c;
    this.connections = connections;
  }

  /** The splitter of this process, set up on first use. */
  static synchronized StatementSplitter get() throws SQLException {
    if (instance == null) {
      DriverManager.getConnection("jdbc:duckdb:").close(); // makes duckdb_jdbc load its library
      // Strings cross as UTF-8, as JDBC sends them: the parser reads the very text that runs.
      DuckDbC c = Native.load(loadedLibrary().toString(), DuckDbC.class,
          Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));
      PointerByReference db = new PointerByReference();
      if (c.duckdb_open(null, db) != 0) {
        throw new SQLException("cannot open DuckDB's parser");
      }
      int n = Math.max(2, Runtime.getRuntime().availableProcessors() * 2);
      BlockingQueue<Pointer> connections = new ArrayBlockingQueue<>(n);
      for (int i = 0; i < n; i++) {
        PointerByReference con = new PointerByReference();
        if (c.duckdb_connect(db.getValue(), con) != 0) {
          throw new SQLException("cannot connect to DuckDB's parser");
        }
        if (i == 0) {
          // Settings are the database's: locked once, for every connection.
          for (String setting : new String[] {"SET enable_external_access = false",
              "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false",
              "SET lock_configuration = true"}) {
            if (c.duckdb_query(con.getValue(), setting, null) != 0) {
              throw new SQLException("cannot lock DuckDB's parser database: " + setting);
            }
          }
        }
        connections.add(con.getValue());
      }
      instance = new StatementSplitter(c, connections);
    }
    return instance;
  }

  private static Path loadedLibrary() throws SQLException {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash >= 0 && line.contains("libduckdb_java")) {
          return Path.of(line.substring(slash).strip());
        }
      }
    } catch (IOException e) {
      throw new SQLException("cannot read /proc/self/maps to find DuckDB's library: " + e.getMessage(), e);
    }
    throw new SQLException("DuckDB's native library is not loaded");
  }

  /**
   * Parses the text; binds it when it is one statement.
   *
   * @throws SQLException DuckDB's parser error when the text does not parse
   */
  Parsed parse(String sql) throws SQLException {
    Pointer connection;
    try {
      connection = connections.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("INTERRUPT Error: interrupted while waiting for the parser", e);
    }
    try {
      return parse(connection, sql);
    } finally {
      connections.add(connection);
    }
  }

  private Parsed parse(Pointer connection, String sql) throws SQLException {
    PointerByReference extracted = new PointerByReference();
    try {
      long n = c.duckdb_extract_statements(connection, sql, extracted);
      if (n == 0) {
        String error = extracted.getValue() == null ? null : c.duckdb_extract_statements_error(extracted.getValue());
        if (error != null && !error.isBlank()) {
          throw new SQLException(error);
        }
      }
      if (n != 1) {
        return new Parsed((int) n, Parsed.UNKNOWN);
      }
      PointerByReference prepared = new PointerByReference();
      try {
        if (c.duckdb_prepare_extracted_statement(connection, extracted.getValue(), 0, prepared) == 0) {
          return new Parsed(1, c.duckdb_prepared_statement_type(prepared.getValue()));
        }
        // It names the session's tables or files: its kind is left to the checks on the session.
        return new Parsed(1, Parsed.UNKNOWN);
      } finally {
        if (prepared.getValue() != null) {
          c.duckdb_destroy_prepare(prepared);
        }
      }
    } finally {
      if (extracted.getValue() != null) {
        c.duckdb_destroy_extracted(extracted);
      }
    }
  }
}

package dev.baton.driver.engine;

import io.grpc.Status;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether raw SQL from a session may run, before it reaches the engine: an allow-list of
 * statement kinds and table functions, checked with DuckDB's own parser and planner (never with
 * regular expressions). A session may query, and create, fill, change and drop its own tables; it
 * may not write files ({@code COPY}, {@code EXPORT}), change settings or logging, attach
 * databases, load extensions, define macros, or call table functions beyond reading data.
 *
 * <p>Steps: the text must be exactly one statement ({@link StatementSplitter}); a query is checked
 * on its parse tree ({@code json_serialize_sql}); any other statement on its bound logical plan
 * ({@code json_serialize_plan}), or, for the file readers that plan cannot serialize, on its
 * physical plan ({@code EXPLAIN}), which is safe to ask for once the text is known to be one
 * statement. Nothing here executes the statement.
 */
public final class SqlSandbox {
  /** Table functions a query may name (parse tree): generating and reading data only. */
  static final Set<String> TABLE_FUNCTIONS = union(Set.of("range", "generate_series", "unnest", "read_parquet",
      "parquet_scan", "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson",
      "read_ndjson_auto"), catalogFunctions());
  /** The same, as the logical plan names its scans ({@code seq_scan} reads a table). */
  static final Set<String> PLAN_SCANS = union(Set.of("seq_scan", "range", "generate_series", "unnest",
      "read_parquet", "parquet_scan"), catalogFunctions());
  /** Statements other than queries a session may run, as logical plan roots. */
  static final Set<String> PLAN_ROOTS = Set.of("LOGICAL_CREATE_TABLE", "LOGICAL_INSERT", "LOGICAL_UPDATE",
      "LOGICAL_DELETE", "LOGICAL_DROP", "LOGICAL_ALTER");
  /** The same, as physical plan roots (for statements that read CSV or JSON files). */
  static final Set<String> PHYSICAL_ROOTS = Set.of("CREATE_TABLE_AS", "BATCH_CREATE_TABLE_AS", "INSERT",
      "BATCH_INSERT", "UPDATE", "DELETE");
  /** Scans a physical plan may contain. */
  static final Set<String> PHYSICAL_SCANS = Set.of("SEQ_SCAN", "TABLE_SCAN", "RANGE", "GENERATE_SERIES",
      "UNNEST", "READ_PARQUET", "PARQUET_SCAN", "READ_CSV", "READ_CSV_AUTO", "READ_JSON", "READ_JSON_AUTO",
      "READ_NDJSON", "READ_NDJSON_AUTO");

  /** Statement kinds (DuckDB's duckdb_statement_type) a session may run; the plan checks narrow CREATE further. */
  static final java.util.Map<Integer, String> STATEMENT_TYPES = java.util.Map.of(1, "SELECT", 2, "INSERT",
      3, "UPDATE", 5, "DELETE", 7, "CREATE", 9, "ALTER", 15, "DROP");
  private static final String[] TYPE_NAMES = {"INVALID", "SELECT", "INSERT", "UPDATE", "EXPLAIN", "DELETE",
      "PREPARE", "CREATE", "EXECUTE", "ALTER", "TRANSACTION", "COPY", "ANALYZE", "VARIABLE SET", "CREATE FUNCTION",
      "DROP", "EXPORT", "PRAGMA", "VACUUM", "CALL", "SET", "LOAD", "RELATION", "EXTENSION", "LOGICAL PLAN",
      "ATTACH", "DETACH", "MULTI"};
  private static final String ALLOWED = "allowed are queries and CREATE TABLE, INSERT, UPDATE, DELETE, ALTER and "
      + "DROP of the session's own tables (views: use CreateView; settings: use SetConfig)";

  private static String statementName(int type) {
    return type >= 0 && type < TYPE_NAMES.length ? TYPE_NAMES[type] : "#" + type;
  }

  /** DuckDB's error as it would be thrown ("Catalog Error: ..."), which EngineErrors maps to a code. */
  private static final String ERROR_TEXT = "upper(json_extract_string(j, '$.error_type')[1]) "
      + "|| json_extract_string(j, '$.error_type')[2:] || ' Error: ' || json_extract_string(j, '$.error_message')";

  private static final String PARSE_TREE = "WITH p AS (SELECT json_serialize_sql(?::VARCHAR) AS j) "
      + "SELECT coalesce(json_extract_string(j, '$.error'), 'false'), " + ERROR_TEXT + ", "
      + "json_array_length(j, '$.statements'), "
      + "(SELECT list(DISTINCT lower(json_extract_string(value, '$.function.function_name'))) FROM json_tree(p.j) "
      + "WHERE json_extract_string(value, '$.type') = 'TABLE_FUNCTION') FROM p";
  private static final String LOGICAL_PLAN = "WITH p AS (SELECT json_serialize_plan(?::VARCHAR) AS j) "
      + "SELECT coalesce(json_extract_string(j, '$.error'), 'false'), " + ERROR_TEXT + ", "
      + "json_array_length(j, '$.plans'), json_extract_string(j, '$.plans[0].type'), "
      + "(SELECT list(DISTINCT lower(json_extract_string(value, '$.name'))) FROM json_tree(p.j) "
      + "WHERE json_extract_string(value, '$.type') = 'LOGICAL_GET') FROM p";

  /** The session's own catalogue: tables, columns, views, types and functions. */
  private static Set<String> catalogFunctions() {
    return Set.of("duckdb_tables", "duckdb_columns", "duckdb_views", "duckdb_schemas", "duckdb_types",
        "duckdb_functions", "duckdb_constraints", "duckdb_indexes", "duckdb_keywords", "duckdb_sequences");
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.Set<String> out = new java.util.HashSet<>(a);
    out.addAll(b);
    return Set.copyOf(out);
  }

  /** How the SQL is used. */
  public enum Use {
    /** Inside a plan or a view: must be one query. */
    QUERY,
    /** The whole of an ExecutePlan: a query or an allowed statement. */
    STATEMENT
  }

  private SqlSandbox() {}

  /**
   * Refuses SQL the session may not run: INVALID_ARGUMENT for text that is not one statement (or
   * not a query where one is needed), PERMISSION_DENIED for a statement or function outside the
   * allow-list.
   */
  public static void check(Connection connection, String sql, Use use) throws SQLException {
    if (sql.indexOf('\0') >= 0) {
      throw refused(Status.INVALID_ARGUMENT, "SQL may not contain NUL characters");
    }
    StatementSplitter.Parsed parsed = StatementSplitter.get().parse(sql);
    if (parsed.statements() != 1) {
      throw refused(Status.INVALID_ARGUMENT, "exactly one SQL statement per request, got " + parsed.statements());
    }
    if (parsed.statementType() != StatementSplitter.Parsed.UNKNOWN
        && !STATEMENT_TYPES.containsKey(parsed.statementType())) {
      throw refused(Status.PERMISSION_DENIED, "statement " + statementName(parsed.statementType())
          + " is not allowed in a session; " + ALLOWED);
    }
    if (parsed.statementType() == StatementSplitter.Parsed.UNKNOWN && firstWordIs(sql, "EXPORT")) {
      // EXPORT creates its directory while it is bound, before any plan can be looked at; it
      // binds here only where it may touch files (the session), so it is refused by name.
      throw refused(Status.PERMISSION_DENIED, "statement EXPORT is not allowed in a session; " + ALLOWED);
    }
    try (PreparedStatement ps = connection.prepareStatement(PARSE_TREE)) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          checkNames(names(rs.getArray(4)), TABLE_FUNCTIONS, "table function");
          return;
        }
        String error = rs.getString(2);
        if (error == null || !error.contains("Only SELECT statements")) {
          throw new SQLException(error);
        }
      }
    }
    if (use == Use.QUERY) {
      throw refused(Status.INVALID_ARGUMENT, "must be a query (SELECT ...), not another statement");
    }
    checkStatement(connection, sql);
  }

  private static void checkStatement(Connection connection, String sql) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(LOGICAL_PLAN)) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          String root = rs.getString(4);
          if (!PLAN_ROOTS.contains(root)) {
            throw refused(Status.PERMISSION_DENIED, "statement " + describe(root) + " is not allowed in a "
                + "session; " + ALLOWED);
          }
          checkNames(names(rs.getArray(5)), PLAN_SCANS, "table function");
          return;
        }
        String error = rs.getString(2) == null ? "" : rs.getString(2);
        String lower = error.toLowerCase(Locale.ROOT);
        if (!lower.contains("not implemented") && !lower.contains("serialize")) {
          // What binding the statement said (an unknown table, a file it may not touch).
          throw new SQLException(error);
        }
      }
    }
    checkPhysicalPlan(connection, sql);
  }

  /** For statements reading CSV or JSON, whose logical plan DuckDB cannot serialize. */
  private static void checkPhysicalPlan(Connection connection, String sql) throws SQLException {
    String plan;
    try (PreparedStatement ps = connection.prepareStatement("EXPLAIN (FORMAT json) " + sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      plan = rs.getString(2);
    }
    String operators = "WITH p AS (SELECT ?::JSON AS j) SELECT "
        + "json_extract_string(j, '$[0].name'), "
        + "(SELECT list(DISTINCT upper(trim(json_extract_string(value, '$.extra_info.Function')))) FROM json_tree(p.j) "
        + "WHERE json_extract_string(value, '$.extra_info.Function') IS NOT NULL) FROM p";
    try (PreparedStatement ps = connection.prepareStatement(operators)) {
      ps.setString(1, plan);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        String root = rs.getString(1) == null ? "" : rs.getString(1).strip().toUpperCase(Locale.ROOT);
        if (!PHYSICAL_ROOTS.contains(root)) {
          throw refused(Status.PERMISSION_DENIED, "statement " + describe(root) + " is not allowed in a session; "
              + ALLOWED);
        }
        checkNames(names(rs.getArray(2)), PHYSICAL_SCANS, "table function");
      }
    }
  }

  /**
   * Whether the statement's first word, after blanks and comments, is {@code word}. Block comments
   * nest, as in DuckDB's scanner, so a comment cannot end early and hide the word.
   */
  static boolean firstWordIs(String sql, String word) {
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char ch = sql.charAt(i);
      if (Character.isWhitespace(ch) || ch == '(') {
        i++;
      } else if (sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (sql.startsWith("/*", i)) {
        int depth = 1;
        i += 2;
        while (i < n && depth > 0) {
          if (sql.startsWith("/*", i)) {
            depth++;
            i += 2;
          } else if (sql.startsWith("*/", i)) {
            depth--;
            i += 2;
          } else {
            i++;
          }
        }
      } else {
        break;
      }
    }
    return sql.regionMatches(true, i, word, 0, word.length())
        && (i + word.length() == n || !Character.isLetterOrDigit(sql.charAt(i + word.length())));
  }

  private static List<String> names(java.sql.Array array) throws SQLException {
    List<String> out = new ArrayList<>();
    if (array != null) {
      for (Object o : (Object[]) array.getArray()) {
        if (o != null) {
          out.add(o.toString());
        }
      }
    }
    return out;
  }

  private static void checkNames(List<String> names, Set<String> allowed, String what) {
    for (String name : names) {
      if (!allowed.contains(name)) {
        throw refused(Status.PERMISSION_DENIED, what + " '" + name + "' is not allowed in a session; allowed are "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
    }
  }

  private static String describe(String planRoot) {
    if (planRoot == null || planRoot.isEmpty()) {
      return "(unknown)";
    }
    return planRoot.replaceFirst("^LOGICAL_", "").replace('_', ' ');
  }

  private static RuntimeException refused(Status code, String message) {
    return code.withDescription(message).asRuntimeException();
  }
}

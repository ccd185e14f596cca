package dev.baton.driver.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  private static final ObjectMapper JSON = new ObjectMapper();

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
    JsonNode tree = serialized(connection, "SELECT json_serialize_sql(?::VARCHAR)", sql);
    if (!tree.path("error").asBoolean(false)) {
      checkNames(valuesOf(tree, "type", "TABLE_FUNCTION", "function", "function_name"), TABLE_FUNCTIONS,
          "table function");
      return;
    }
    if (!tree.path("error_message").asText("").contains("Only SELECT statements")) {
      throw engineError(tree);
    }
    if (use == Use.QUERY) {
      throw refused(Status.INVALID_ARGUMENT, "must be a query (SELECT ...), not another statement");
    }
    checkStatement(connection, sql);
  }

  private static void checkStatement(Connection connection, String sql) throws SQLException {
    JsonNode plan = serialized(connection, "SELECT json_serialize_plan(?::VARCHAR)", sql);
    if (!plan.path("error").asBoolean(false)) {
      String root = plan.path("plans").path(0).path("type").asText("");
      if (plan.path("plans").size() != 1 || !PLAN_ROOTS.contains(root)) {
        throw refused(Status.PERMISSION_DENIED, "statement " + describe(root) + " is not allowed in a "
            + "session; " + ALLOWED);
      }
      checkNames(valuesOf(plan, "type", "LOGICAL_GET", "name"), PLAN_SCANS, "table function");
      return;
    }
    String error = plan.path("error_message").asText("").toLowerCase(Locale.ROOT);
    if (!error.contains("not implemented") && !error.contains("serialize")) {
      // What binding the statement said (an unknown table, a file it may not touch).
      throw engineError(plan);
    }
    checkPhysicalPlan(connection, sql);
  }

  /** The JSON DuckDB's serialiser gives for the text ({@code ?} in {@code query}). */
  private static JsonNode serialized(Connection connection, String query, String sql) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(query)) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return JSON.readTree(rs.getString(1));
      }
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot read DuckDB's serialised statement: " + e.getOriginalMessage(), e);
    }
  }

  /** DuckDB's error as it would have thrown it ("Catalog Error: ..."), which EngineErrors maps to a code. */
  private static SQLException engineError(JsonNode serialized) {
    String type = serialized.path("error_type").asText("invalid");
    String kind = type.isEmpty() ? "Invalid" : Character.toUpperCase(type.charAt(0)) + type.substring(1);
    return new SQLException(kind + " Error: " + serialized.path("error_message").asText(""));
  }

  /**
   * Every value at {@code path} of the objects anywhere in {@code node} whose {@code key} is
   * {@code value}, lower-cased: e.g. the function names of all TABLE_FUNCTION nodes.
   */
  private static List<String> valuesOf(JsonNode node, String key, String value, String... path) {
    List<String> out = new ArrayList<>();
    collect(node, key, value, path, out);
    return out;
  }

  private static void collect(JsonNode node, String key, String value, String[] path, List<String> out) {
    if (node.isObject() && value.equals(node.path(key).asText(null))) {
      JsonNode at = node;
      for (String p : path) {
        at = at.path(p);
      }
      out.add(at.asText("").strip().toLowerCase(Locale.ROOT));
    }
    if (node.isContainerNode()) {
      for (JsonNode child : node) {
        collect(child, key, value, path, out);
      }
    }
  }

  /** For statements reading CSV or JSON, whose logical plan DuckDB cannot serialize. */
  private static void checkPhysicalPlan(Connection connection, String sql) throws SQLException {
    JsonNode plan;
    try (PreparedStatement ps = connection.prepareStatement("EXPLAIN (FORMAT json) " + sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      plan = JSON.readTree(rs.getString(2));
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot read DuckDB's plan: " + e.getOriginalMessage(), e);
    }
    String root = plan.path(0).path("name").asText("").strip().toUpperCase(Locale.ROOT);
    if (!PHYSICAL_ROOTS.contains(root)) {
      throw refused(Status.PERMISSION_DENIED, "statement " + describe(root) + " is not allowed in a session; "
          + ALLOWED);
    }
    List<String> functions = new ArrayList<>();
    collectFunctions(plan, functions);
    checkNames(functions, PHYSICAL_SCANS, "table function");
  }

  /** The {@code extra_info.Function} of every operator in a physical plan, upper-cased. */
  private static void collectFunctions(JsonNode node, List<String> out) {
    if (node.isObject() && node.path("extra_info").has("Function")) {
      out.add(node.path("extra_info").path("Function").asText("").strip().toUpperCase(Locale.ROOT));
    }
    if (node.isContainerNode()) {
      for (JsonNode child : node) {
        collectFunctions(child, out);
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

package dev.baton.driver.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sandbox's allow-list, on a real session engine: what a session may run and what it may not. */
class SqlSandboxTest {
  @TempDir
  static Path dir;
  private static RootAllocator allocator;
  private static SessionEngine engine;
  private static Path data;

  @BeforeAll
  static void open() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("people.csv"), "id,name\n1,ada\n2,bob\n");
    Files.writeString(data.resolve("people.json"), "{\"id\": 1}\n{\"id\": 2}\n");
    allocator = new RootAllocator();
    engine = dev.baton.driver.testing.TestEngines.open("sandbox-test-session-0000000", data, dir.resolve("scratch"),
        allocator);
    engine.execute("CREATE TABLE t AS SELECT range AS i FROM range(3)");
  }

  @AfterAll
  static void close() {
    engine.close();
    allocator.close();
  }

  private static String sub(String sql) {
    return sql.replace("$DATA", data.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT * FROM range(3)",
      "WITH c AS (SELECT * FROM generate_series(1, 3)) SELECT * FROM c",
      "SELECT * FROM t WHERE i IN (SELECT * FROM range(2))",
      "SELECT * FROM read_csv('$DATA/people.csv')",
      "SELECT * FROM read_json_auto('$DATA/people.json')",
      "SELECT unnest([1, 2])",
      "SELECT 1 -- a trailing comment",
      "CREATE TABLE t2 AS SELECT * FROM range(3)",
      "CREATE TEMP TABLE t3 (i INTEGER)",
      "CREATE TABLE t4 AS SELECT * FROM read_csv('$DATA/people.csv')",
      "INSERT INTO t SELECT * FROM range(3)",
      "INSERT INTO t VALUES (7)",
      "UPDATE t SET i = i + 1 WHERE i > 100",
      "DELETE FROM t WHERE i > 100",
      "DROP TABLE IF EXISTS nothing_here",
      "SELECT table_name FROM duckdb_tables()",
      "SELECT * FROM information_schema.columns",
      "SELECT * FROM '$DATA/people.csv'",
  })
  void sessionsMayQueryAndKeepTheirOwnTables(String sql) {
    assertThatCode(() -> engine.check(sub(sql), SqlSandbox.Use.STATEMENT)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "COPY (SELECT 1) TO '$DATA/planted.csv'",
      "COPY t TO '$DATA/planted.csv'",
      "CALL enable_logging()",
      "SELECT * FROM enable_logging(storage = 'file', storage_path = '$DATA')",
      "CREATE TABLE x AS SELECT * FROM enable_logging()",
      "INSERT INTO t SELECT 1 FROM duckdb_logs()",
      "UPDATE t SET i = (SELECT count(*) FROM read_text('$DATA/people.csv'))",
      "SELECT * FROM query('SELECT 1')",
      "SELECT * FROM read_text('$DATA/people.csv')",
      "SELECT * FROM glob('$DATA/*')",
      "CHECKPOINT",
      "SET threads = 8",
      "ATTACH '$DATA/new.db' AS x",
      "EXPORT DATABASE '$DATA/export'",
      "/* /* nested */ still a comment */ EXPORT DATABASE '$DATA/export'",
      "-- a comment\n(EXPORT DATABASE '$DATA/export')",
      "CREATE MACRO m() AS 1",
      "CREATE VIEW v AS SELECT 1",
      "PRAGMA version",
      "INSTALL httpfs",
      "LOAD httpfs",
      "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
      "SELECT * FROM duckdb_settings()",
      "SELECT * FROM duckdb_secrets()",
  })
  void sessionsMayNotWriteFilesChangeSettingsOrCallOtherTableFunctions(String sql) {
    assertThatThrownBy(() -> engine.check(sub(sql), SqlSandbox.Use.STATEMENT))
        .satisfies(e -> assertThat(code(e)).as(e.getMessage()).isIn(Status.Code.PERMISSION_DENIED,
            Status.Code.INVALID_ARGUMENT));
    assertThat(data.resolve("planted.csv")).doesNotExist();
    assertThat(data.resolve("export")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT 1; SELECT 2",
      "CREATE TABLE side (i INTEGER); SELECT 2",
      "SELECT 1; COPY (SELECT 1) TO '$DATA/planted.csv'",
      "",
      "-- only a comment",
      "SELECT 1\u0000; DROP TABLE t",
  })
  void exactlyOneStatementRunsPerRequest(String sql) throws Exception {
    assertThatThrownBy(() -> engine.check(sub(sql), SqlSandbox.Use.STATEMENT))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(engine.tables()).extracting(SessionEngine.TableRef::name).doesNotContain("side");
    assertThat(data.resolve("planted.csv")).doesNotExist();
  }

  @org.junit.jupiter.api.Test
  void anImportedTableLeavesNoScanOverItsFreedStreamBehind() throws Exception {
    engine.importTable("imported", false, engine.exportTable(new SessionEngine.TableRef("memory", "t", false), 1 << 20));
    assertThat(engine.columnsOf("SELECT * FROM imported")).containsExactly("i");
    try (var st = ((org.duckdb.DuckDBConnection) connectionOf(engine)).createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '_baton_import%'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  private static java.sql.Connection connectionOf(SessionEngine e) throws Exception {
    var f = SessionEngine.class.getDeclaredField("connection");
    f.setAccessible(true);
    return (java.sql.Connection) f.get(e);
  }

  @org.junit.jupiter.api.Test
  void refusalsCarryDuckDbsOwnErrorClass() {
    assertThatThrownBy(() -> engine.check("INSERT INTO no_such_table VALUES (1)", SqlSandbox.Use.STATEMENT))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).startsWith("Catalog Error: "));
    assertThatThrownBy(() -> engine.check("SELECT FROM WHERE", SqlSandbox.Use.STATEMENT))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage()).startsWith("Parser Error: "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"CREATE TABLE y AS SELECT 1", "SELECT 1) AS a; DROP TABLE t; SELECT * FROM (SELECT 1"})
  void aViewOrSubqueryBodyIsOneQuery(String sql) {
    assertThatThrownBy(() -> engine.check(sql, SqlSandbox.Use.QUERY))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  private static Status.Code code(Throwable e) {
    if (e instanceof StatusRuntimeException sre) {
      return sre.getStatus().getCode();
    }
    if (e instanceof SQLException sql) {
      return EngineErrors.toStatus(sql).getCode();
    }
    return Status.Code.UNKNOWN;
  }
}

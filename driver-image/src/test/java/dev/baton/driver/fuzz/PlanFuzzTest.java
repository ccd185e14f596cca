package dev.baton.driver.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.engine.SqlSandbox;
import dev.baton.driver.plan.PlanCompiler;
import dev.baton.driver.plan.PlanException;
import dev.baton.driver.testing.TestEngines;
import dev.baton.proto.v1.Call;
import dev.baton.proto.v1.Cast;
import dev.baton.proto.v1.ColumnRef;
import dev.baton.proto.v1.DataSource;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Limit;
import dev.baton.proto.v1.Literal;
import dev.baton.proto.v1.NamedTable;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Project;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.Read;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.Sort;
import dev.baton.proto.v1.SortOrder;
import dev.baton.proto.v1.Sql;
import dev.baton.proto.v1.SubqueryAlias;
import dev.baton.proto.v1.Union;
import dev.baton.proto.v1.WithColumns;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.arrow.memory.RootAllocator;

/**
 * Generates hostile plans — names, literals, types, paths and raw SQL full of quotes, comments,
 * semicolons and statements a session may not run — compiles each, passes it through the
 * sandbox and runs what passes, on a real session engine. Whatever the plan, the outcome is a
 * refusal of a documented kind or a result; never more than one statement, never a file written
 * or read outside the allowed directories, never an engine that stops answering.
 */
class PlanFuzzTest {
  private static final int TRIES = 400;
  private static Path root;
  private static Path data;
  private static Path outside;
  private static RootAllocator allocator;
  private static SessionEngine engine;
  private static PlanCompiler compiler;
  private static final AtomicInteger cases = new AtomicInteger();
  private static final AtomicInteger ran = new AtomicInteger();
  private static final AtomicInteger refused = new AtomicInteger();

  private static final List<String> HOSTILE = List.of("t", "id", "x", "\"", "'", "a\"; DROP TABLE t; --",
      "x' OR '1'='1", "; COPY t TO '/tmp/baton-fuzz-out.csv'", "/* */", "--", ")", "((", "\n", "\\",
      "main", "information_schema", "duckdb_settings", "enable_logging", "", " ", "🙂", "$$", "'||'",
      "x".repeat(200));
  private static final List<String> SQL = List.of("SELECT 1 AS id", "SELECT * FROM t", "SELECT 1; SELECT 2",
      "COPY t TO '$OUT/copied.csv'", "CALL enable_logging(storage='file', storage_path='$OUT')",
      "SELECT * FROM read_text('$OUT/secret.txt')", "SELECT * FROM read_csv('$OUT/secret.txt')",
      "ATTACH '$OUT/x.db' AS x", "EXPORT DATABASE '$DATA/exported'", "SET threads = 64",
      "SELECT 1) AS a; CREATE TABLE smuggled AS SELECT 1; SELECT * FROM (SELECT 1", "SELECT 1 -- comment",
      "SELECT * FROM read_csv('$DATA/people.csv')", "CREATE TABLE made AS SELECT * FROM range(3)",
      "INSERT INTO t SELECT * FROM range(2)", "SELECT * FROM query('SELECT 1')", "PRAGMA version",
      "SELECT * FROM glob('$OUT/*')", "COPY (SELECT 1) TO '$DATA/planted.csv'", "");
  private static final List<String> FUNCTIONS = List.of("+", "=", "and", "not", "sum", "count", "lower",
      "length", "if", "in", "system", "read_text", "enable_logging", "query", "getenv", "current_setting", "");
  private static final List<String> TYPES = List.of("INTEGER", "VARCHAR", "DOUBLE", "DECIMAL(10, 2)",
      "INT); DROP TABLE t; --", "BLOB", "TEXT", "");

  @BeforeContainer
  static void open() throws Exception {
    root = Files.createTempDirectory("baton-plan-fuzz");
    data = Files.createDirectories(root.resolve("data"));
    outside = Files.createDirectories(root.resolve("outside"));
    Files.writeString(data.resolve("people.csv"), "id,name\n1,ada\n");
    Files.writeString(outside.resolve("secret.txt"), "not for sessions\n");
    allocator = new RootAllocator();
    engine = TestEngines.open("plan-fuzz-session-000000000", data, root.resolve("scratch"), allocator);
    engine.execute("CREATE TABLE t AS SELECT range AS id, 'n' || range AS x FROM range(5)");
    compiler = new PlanCompiler(sql -> {
      try {
        return engine.columnsOf(sql);
      } catch (SQLException e) {
        throw new EngineException(e);
      }
    });
  }

  @AfterContainer
  static void close() throws Exception {
    System.out.printf("plan fuzz: %d generated plans, %d ran, %d refused%n", cases.get(), ran.get(), refused.get());
    engine.close();
    allocator.close();
  }

  @Property(tries = TRIES, seed = "20261122")
  void noPlanRunsASecondStatementOrTouchesFilesOutsideItsSandbox(@ForAll("plans") Plan plan) throws Exception {
    cases.incrementAndGet();
    List<Path> dataBefore = list(data);
    try {
      String sql = compiler.compile(plan);
      engine.query(sql, 1024, new SessionEngine.BatchSink() {
        @Override
        public void schema(org.apache.arrow.vector.VectorSchemaRoot root) {}

        @Override
        public void batch(org.apache.arrow.vector.VectorSchemaRoot root) {}
      });
      ran.incrementAndGet();
    } catch (PlanException | StatusRuntimeException | EngineException | SQLException refusal) {
      refused.incrementAndGet(); // each maps to a documented code (StatusErrors)
    }
    assertThat(list(outside)).as("nothing written outside the data directories")
        .containsExactly(outside.resolve("secret.txt"));
    assertThat(list(data)).as("the data directory is read-only to sessions").isEqualTo(dataBefore);
    assertThat(Path.of("/tmp/baton-fuzz-out.csv")).doesNotExist();
    assertThat(engine.tables().stream().map(SessionEngine.TableRef::name)).doesNotContain("smuggled");
    assertThat(engine.columnsOf("SELECT 42 AS answer")).as("the engine still answers").containsExactly("answer");
  }

  private static List<Path> list(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Provide
  Arbitrary<Plan> plans() {
    return relation(3).map(r -> Plan.newBuilder().setRoot(r).build());
  }

  private static Arbitrary<String> hostile() {
    return Arbitraries.oneOf(Arbitraries.of(HOSTILE), Arbitraries.strings().ofMaxLength(12));
  }

  private static Arbitrary<String> rawSql() {
    return Arbitraries.of(SQL).map(s -> s.replace("$OUT", outside.toString()).replace("$DATA", data.toString()));
  }

  private static Arbitrary<Relation> relation(int depth) {
    Arbitrary<Relation> leaf = Arbitraries.oneOf(
        Arbitraries.longs().between(-5, 20).map(n -> Relation.newBuilder().setRange(Range.newBuilder().setEnd(n)).build()),
        hostile().map(n -> Relation.newBuilder().setRead(Read.newBuilder().setTable(
            NamedTable.newBuilder().addNameParts(n))).build()),
        rawSql().map(q -> Relation.newBuilder().setSql(Sql.newBuilder().setQuery(q)).build()),
        Arbitraries.of(data.resolve("people.csv").toString(), outside.resolve("secret.txt").toString(),
            data + "/../outside/secret.txt", "/etc/passwd", "'; COPY t TO '/tmp/x'; --")
            .map(p -> Relation.newBuilder().setRead(Read.newBuilder().setDataSource(DataSource.newBuilder()
                .setFormat(DataSource.Format.CSV).addPaths(p))).build()));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Relation> input = relation(depth - 1);
    Arbitrary<Expression> expr = expression(2);
    return Arbitraries.oneOf(leaf,
        Arbitraries.entries(input, expr).map(e -> Relation.newBuilder().setFilter(Filter.newBuilder()
            .setInput(e.getKey()).setCondition(e.getValue())).build()),
        Arbitraries.entries(input, expr).map(e -> Relation.newBuilder().setProject(Project.newBuilder()
            .setInput(e.getKey()).addExpressions(e.getValue())).build()),
        Arbitraries.entries(input, expr).map(e -> Relation.newBuilder().setSort(Sort.newBuilder()
            .setInput(e.getKey()).addOrder(SortOrder.newBuilder().setExpression(e.getValue()))).build()),
        Arbitraries.entries(input, hostile()).map(e -> Relation.newBuilder().setAlias(SubqueryAlias.newBuilder()
            .setInput(e.getKey()).setAlias(e.getValue())).build()),
        Arbitraries.entries(input, expr).map(e -> Relation.newBuilder().setWithColumns(WithColumns.newBuilder()
            .setInput(e.getKey()).addColumns(Expression.newBuilder().setAlias(dev.baton.proto.v1.Alias.newBuilder()
                .setExpression(e.getValue()).setName("c")))).build()),
        input.map(r -> Relation.newBuilder().setLimit(Limit.newBuilder().setInput(r).setLimit(3)).build()),
        Arbitraries.entries(input, input).map(e -> Relation.newBuilder().setUnion(Union.newBuilder()
            .addInputs(e.getKey()).addInputs(e.getValue()).setAll(true)).build()));
  }

  private static Arbitrary<Expression> expression(int depth) {
    Arbitrary<Expression> leaf = Arbitraries.oneOf(
        hostile().map(n -> Expression.newBuilder().setColumn(ColumnRef.newBuilder().addNameParts(n)).build()),
        hostile().map(s -> Expression.newBuilder().setLiteral(Literal.newBuilder().setString(s)).build()),
        Arbitraries.integers().map(i -> Expression.newBuilder().setLiteral(Literal.newBuilder().setInt32(i)).build()),
        Arbitraries.of("1.5", "-0", "1e999", "1; DROP TABLE t", "99999999999999999999999999999999999999999")
            .map(d -> Expression.newBuilder().setLiteral(Literal.newBuilder().setDecimal(d)).build()));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Expression> arg = expression(depth - 1);
    return Arbitraries.oneOf(leaf,
        Arbitraries.entries(Arbitraries.of(FUNCTIONS), arg).map(e -> Expression.newBuilder().setCall(
            Call.newBuilder().setFunction(e.getKey()).addArguments(e.getValue()).addArguments(e.getValue())).build()),
        Arbitraries.entries(Arbitraries.of(TYPES), arg).map(e -> Expression.newBuilder().setCast(
            Cast.newBuilder().setType(e.getKey()).setExpression(e.getValue())).build()));
  }
}

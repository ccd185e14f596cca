package dev.baton.driver.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.Alias;
import dev.baton.proto.v1.Call;
import dev.baton.proto.v1.Cast;
import dev.baton.proto.v1.ColumnRef;
import dev.baton.proto.v1.DataSource;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Join;
import dev.baton.proto.v1.Literal;
import dev.baton.proto.v1.NamedTable;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Project;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.Read;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SubqueryAlias;
import dev.baton.proto.v1.WithColumns;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compiles plans and runs the SQL on a real DuckDB, so "cannot inject" is checked by the engine. */
class PlanCompilerTest {
  private Connection db;
  private PlanCompiler compiler;

  @BeforeEach
  void open() throws Exception {
    db = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement st = db.createStatement()) {
      st.execute("CREATE TABLE t AS SELECT range AS id, 'name-' || range AS name FROM range(10)");
    }
    compiler = new PlanCompiler(sql -> {
      try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql + " LIMIT 0")) {
        List<String> cols = new ArrayList<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          cols.add(rs.getMetaData().getColumnName(i));
        }
        return cols;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
  }

  @AfterEach
  void close() throws Exception {
    db.close();
  }

  private static Expression col(String... parts) {
    return Expression.newBuilder().setColumn(ColumnRef.newBuilder().addAllNameParts(List.of(parts))).build();
  }

  private static Expression str(String s) {
    return Expression.newBuilder().setLiteral(Literal.newBuilder().setString(s)).build();
  }

  private static Expression i64(long v) {
    return Expression.newBuilder().setLiteral(Literal.newBuilder().setInt64(v)).build();
  }

  private static Expression call(String f, Expression... args) {
    return Expression.newBuilder().setCall(Call.newBuilder().setFunction(f).addAllArguments(List.of(args))).build();
  }

  private static Expression alias(Expression e, String name) {
    return Expression.newBuilder().setAlias(Alias.newBuilder().setExpression(e).setName(name)).build();
  }

  private static Relation table(String name) {
    return Relation.newBuilder().setRead(Read.newBuilder().setTable(NamedTable.newBuilder().addNameParts(name))).build();
  }

  private static Plan plan(Relation r) {
    return Plan.newBuilder().setRoot(r).build();
  }

  private List<String> rows(Plan p) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(compiler.compile(p))) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(row.toString());
      }
    }
    return out;
  }

  @Test
  void filterProjectAndLimitRunOnDuckDb() throws Exception {
    Relation r = Relation.newBuilder().setFilter(Filter.newBuilder().setInput(table("t"))
        .setCondition(call(">=", col("id"), i64(8)))).build();
    r = Relation.newBuilder().setProject(Project.newBuilder().setInput(r)
        .addExpressions(col("name")).addExpressions(alias(call("*", col("id"), i64(2)), "twice"))).build();
    assertThat(rows(plan(r))).containsExactlyInAnyOrder("name-8|16", "name-9|18");
  }

  @Test
  void stringLiteralWithQuotesIsData() throws Exception {
    String hostile = "x' OR '1'='1'; DROP TABLE t; --";
    Relation r = Relation.newBuilder().setFilter(Filter.newBuilder().setInput(table("t"))
        .setCondition(call("=", col("name"), str(hostile)))).build();
    assertThat(rows(plan(r))).isEmpty();
    // the table is still there
    assertThat(rows(plan(table("t")))).hasSize(10);
    Relation p = Relation.newBuilder().setProject(Project.newBuilder().setInput(table("t"))
        .addExpressions(alias(str(hostile), "s"))).build();
    assertThat(rows(plan(Relation.newBuilder().setLimit(
        dev.baton.proto.v1.Limit.newBuilder().setInput(p).setLimit(1)).build()))).containsExactly(hostile);
  }

  @Test
  void identifierWithQuotesCannotEscape() {
    String hostile = "id\" FROM t; DROP TABLE t; --";
    Relation r = Relation.newBuilder().setProject(Project.newBuilder().setInput(table("t"))
        .addExpressions(col(hostile))).build();
    String sql = compiler.compile(plan(r));
    assertThat(sql).contains("\"id\"\" FROM t; DROP TABLE t; --\"");
    assertThatThrownBy(() -> rows(plan(r))).hasMessageContaining("not found");
    assertThat(compiler.compile(plan(table("t\"; DROP TABLE t; --"))))
        .isEqualTo("SELECT * FROM \"t\"\"; DROP TABLE t; --\"");
  }

  @Test
  void aliasNamesAreQuoted() throws Exception {
    Relation r = Relation.newBuilder().setProject(Project.newBuilder().setInput(table("t"))
        .addExpressions(alias(col("id"), "a\"b c"))).build();
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(compiler.compile(plan(r)))) {
      assertThat(rs.getMetaData().getColumnName(1)).isEqualTo("a\"b c");
    }
  }

  @Test
  void unknownFunctionIsRefusedWithItsPath() {
    Relation r = Relation.newBuilder().setFilter(Filter.newBuilder().setInput(table("t"))
        .setCondition(call("read_csv", str("/etc/passwd")))).build();
    assertThatThrownBy(() -> compiler.compile(plan(r)))
        .isInstanceOf(PlanException.class)
        .hasMessageContaining("root.filter.condition.call(read_csv)")
        .hasMessageContaining("unknown function 'read_csv'");
  }

  @Test
  void wrongArityIsRefused() {
    assertThatThrownBy(() -> compiler.expression("e", call("between", col("id"), i64(1)), 0))
        .hasMessageContaining("takes 3 argument(s), got 2");
  }

  @Test
  void castTypeIsCheckedAgainstKnownTypes() {
    Expression bad = Expression.newBuilder().setCast(Cast.newBuilder().setExpression(col("id"))
        .setType("INTEGER); DROP TABLE t; --")).build();
    assertThatThrownBy(() -> compiler.expression("e", bad, 0)).hasMessageContaining("unknown type");
    Expression ok = Expression.newBuilder().setCast(Cast.newBuilder().setExpression(col("id"))
        .setType("decimal(10, 2)")).build();
    assertThat(compiler.expression("e", ok, 0)).isEqualTo("CAST(\"id\" AS DECIMAL(10, 2))");
  }

  @Test
  void literalsAreTyped() throws Exception {
    assertThat(PlanCompiler.literal("l", Literal.newBuilder().setDate(19000).build()))
        .isEqualTo("DATE '2022-01-08'");
    assertThat(PlanCompiler.literal("l", Literal.newBuilder().setTimestampMicros(1_500_000L).build()))
        .isEqualTo("TIMESTAMP '1970-01-01 00:00:01.500000'");
    assertThat(PlanCompiler.literal("l", Literal.newBuilder().setDecimal("-12.50").build()))
        .isEqualTo("CAST('-12.50' AS DECIMAL(4, 2))");
    assertThat(PlanCompiler.literal("l", Literal.newBuilder().setFloat64(Double.NaN).build()))
        .isEqualTo("CAST('nan' AS DOUBLE)");
    assertThatThrownBy(() -> PlanCompiler.literal("l", Literal.newBuilder().setDecimal("1; x").build()))
        .hasMessageContaining("not a decimal");
    assertThatThrownBy(() -> PlanCompiler.literal("l", Literal.getDefaultInstance()))
        .hasMessageContaining("no value");
  }

  @Test
  void withColumnsReplacesAndAdds() throws Exception {
    Relation r = Relation.newBuilder().setWithColumns(WithColumns.newBuilder()
        .setInput(Relation.newBuilder().setRange(Range.newBuilder().setStart(0).setEnd(3)))
        .addColumns(alias(call("+", col("id"), i64(10)), "id"))
        .addColumns(alias(call("*", col("id"), i64(2)), "double"))).build();
    assertThat(rows(plan(r))).containsExactly("10|0", "11|2", "12|4");
  }

  @Test
  void joinWithAliasesQualifiesColumns() throws Exception {
    Relation left = Relation.newBuilder().setAlias(SubqueryAlias.newBuilder().setInput(table("t")).setAlias("a")).build();
    Relation right = Relation.newBuilder().setAlias(SubqueryAlias.newBuilder().setInput(
        Relation.newBuilder().setRange(Range.newBuilder().setStart(0).setEnd(3))).setAlias("b")).build();
    Relation j = Relation.newBuilder().setJoin(Join.newBuilder().setLeft(left).setRight(right)
        .setType(Join.JoinType.INNER).setCondition(call("=", col("a", "id"), col("b", "id")))).build();
    Relation p = Relation.newBuilder().setProject(Project.newBuilder().setInput(j).addExpressions(col("a", "name"))).build();
    assertThat(rows(plan(p))).containsExactlyInAnyOrder("name-0", "name-1", "name-2");
  }

  @Test
  void joinNeedsExactlyOneOfConditionOrUsing() {
    Relation j = Relation.newBuilder().setJoin(Join.newBuilder().setLeft(table("t")).setRight(table("t"))).build();
    assertThatThrownBy(() -> compiler.compile(plan(j))).hasMessageContaining("exactly one of condition or using_columns");
  }

  @Test
  void readerOptionsAreChecked() {
    Relation bad = Relation.newBuilder().setRead(Read.newBuilder().setDataSource(DataSource.newBuilder()
        .setFormat(DataSource.Format.CSV).addPaths("/data/x.csv").putOptions("columns", "{'a': 'x'}"))).build();
    assertThatThrownBy(() -> compiler.compile(plan(bad))).hasMessageContaining("unknown CSV option 'columns'");
    Relation badValue = Relation.newBuilder().setRead(Read.newBuilder().setDataSource(DataSource.newBuilder()
        .setFormat(DataSource.Format.CSV).addPaths("/data/x.csv").putOptions("header", "yes; --"))).build();
    assertThatThrownBy(() -> compiler.compile(plan(badValue))).hasMessageContaining("expected true or false");
    Relation ok = Relation.newBuilder().setRead(Read.newBuilder().setDataSource(DataSource.newBuilder()
        .setFormat(DataSource.Format.CSV).addPaths("/data/it's.csv").putOptions("delim", "'"))).build();
    assertThat(compiler.compile(plan(ok)))
        .isEqualTo("SELECT * FROM read_csv(['/data/it''s.csv'], delim := '''')");
  }

  @Test
  void missingPiecesAreNamed() {
    assertThatThrownBy(() -> compiler.compile(Plan.getDefaultInstance())).hasMessageContaining("no root");
    assertThatThrownBy(() -> compiler.compile(plan(Relation.getDefaultInstance())))
        .hasMessageContaining("root: relation has no kind set");
    Relation noInput = Relation.newBuilder().setFilter(Filter.newBuilder().setCondition(i64(1))).build();
    assertThatThrownBy(() -> compiler.compile(plan(noInput))).hasMessageContaining("root.filter: missing input");
    assertThatThrownBy(() -> compiler.compile(plan(table(""))))
        .hasMessageContaining("root.read.table: empty name");
  }

  @Test
  void deepPlansAreRefusedNotOverflowed() {
    Relation r = table("t");
    for (int i = 0; i < 1000; i++) {
      r = Relation.newBuilder().setLimit(dev.baton.proto.v1.Limit.newBuilder().setInput(r).setLimit(5)).build();
    }
    Plan deep = plan(r);
    assertThatThrownBy(() -> compiler.compile(deep)).hasMessageContaining("nested deeper than");
  }
}

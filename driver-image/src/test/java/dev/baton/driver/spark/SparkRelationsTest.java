package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.connect.proto.Drop;
import org.apache.spark.connect.proto.Expression;
import org.apache.spark.connect.proto.Join;
import org.apache.spark.connect.proto.Range;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.RelationCommon;
import org.apache.spark.connect.proto.Sort;
import org.apache.spark.connect.proto.WithColumns;
import org.junit.jupiter.api.Test;

/** Spark relations as the SQL this driver runs, with a fake engine that knows column types. */
class SparkRelationsTest {
  /** Every query has the columns id BIGINT and name VARCHAR, unless its text says HUGE. */
  private static final SparkEngine ENGINE = new SparkEngine() {
    @Override
    public List<Column> describe(String sql) {
      if (sql.contains("HUGE")) {
        return List.of(new Column("s", "HUGEINT"), new Column("u", "UINTEGER"), new Column("n", "VARCHAR"));
      }
      return List.of(new Column("id", "BIGINT"), new Column("name", "VARCHAR"));
    }

    @Override
    public String localTable(byte[] arrowStream) {
      return "_local";
    }

    @Override
    public Rows rows(String sql, int limit) {
      return new Rows(List.of("id"), List.of(List.of("1")));
    }
  };

  private static Relation range(long end, long planId) {
    return Relation.newBuilder().setCommon(RelationCommon.newBuilder().setPlanId(planId))
        .setRange(Range.newBuilder().setStart(0).setEnd(end).setStep(1)).build();
  }

  private static Expression col(String name) {
    return Expression.newBuilder().setUnresolvedAttribute(Expression.UnresolvedAttribute.newBuilder()
        .setUnparsedIdentifier(name)).build();
  }

  private static Expression col(String name, long planId) {
    return Expression.newBuilder().setUnresolvedAttribute(Expression.UnresolvedAttribute.newBuilder()
        .setUnparsedIdentifier(name).setPlanId(planId)).build();
  }

  private static String compile(Relation r) {
    return new SparkRelations(ENGINE).compile(r);
  }

  @Test
  void rangeIsABigintColumnNamedId() {
    assertThat(compile(range(10, 1))).isEqualTo(
        "SELECT range AS \"id\" FROM range(CAST(0 AS BIGINT), CAST(10 AS BIGINT), CAST(1 AS BIGINT))");
  }

  @Test
  void sortWritesSparksNullOrderingOut() {
    Relation sorted = Relation.newBuilder().setSort(Sort.newBuilder().setInput(range(3, 1))
        .addOrder(Expression.SortOrder.newBuilder().setChild(col("id"))
            .setDirection(Expression.SortOrder.SortDirection.SORT_DIRECTION_ASCENDING))
        .addOrder(Expression.SortOrder.newBuilder().setChild(col("name"))
            .setDirection(Expression.SortOrder.SortDirection.SORT_DIRECTION_DESCENDING))).build();
    assertThat(compile(sorted)).endsWith("ORDER BY \"id\" ASC NULLS FIRST, \"name\" DESC NULLS LAST");
  }

  @Test
  void columnsOfAJoinSideAreQualifiedByTheirPlan() {
    Expression eq = Expression.newBuilder().setUnresolvedFunction(Expression.UnresolvedFunction.newBuilder()
        .setFunctionName("==").addArguments(col("id", 1)).addArguments(col("id", 2))).build();
    Relation join = Relation.newBuilder().setJoin(Join.newBuilder().setLeft(range(3, 1)).setRight(range(5, 2))
        .setJoinCondition(eq).setJoinType(Join.JoinType.JOIN_TYPE_INNER)).build();
    assertThat(compile(join)).contains("AS \"_p1\" INNER JOIN (").contains("AS \"_p2\" ON (\"_p1\".\"id\" = \"_p2\".\"id\")");
  }

  @Test
  void withColumnsReplacesAnExistingColumnInPlaceAndAppendsNewOnes() {
    Relation w = Relation.newBuilder().setWithColumns(WithColumns.newBuilder().setInput(range(3, 1))
        .addAliases(Expression.Alias.newBuilder().addName("ID").setExpr(col("name")))
        .addAliases(Expression.Alias.newBuilder().addName("extra").setExpr(col("id")))).build();
    assertThat(compile(w)).startsWith("SELECT \"name\" AS \"id\", \"name\", \"id\" AS \"extra\" FROM (");
  }

  @Test
  void droppingAColumnThatIsNotThereChangesNothingAsInSpark() {
    Relation d = Relation.newBuilder().setDrop(Drop.newBuilder().setInput(range(3, 1)).addColumnNames("NAME")
        .addColumnNames("missing")).build();
    assertThat(compile(d)).startsWith("SELECT \"id\" FROM (");
  }

  @Test
  void resultColumnsOfTypesSparkLacksAreCast() {
    assertThat(new SparkRelations(ENGINE).shaped("SELECT HUGE")).startsWith(
        "SELECT CAST(\"s\" AS BIGINT) AS \"s\", CAST(\"u\" AS BIGINT) AS \"u\", \"n\" FROM (SELECT HUGE");
    assertThat(new SparkRelations(ENGINE).shaped("SELECT 1")).isEqualTo("SELECT 1");
  }

  @Test
  void unsupportedRelationsAndFunctionsAreSparkErrors() {
    Relation describe = Relation.newBuilder().setDescribe(org.apache.spark.connect.proto.StatDescribe.newBuilder()
        .setInput(range(3, 1))).build();
    assertThatThrownBy(() -> compile(describe)).isInstanceOfSatisfying(SparkError.class,
        e -> assertThat(e.errorClass()).isEqualTo("UNSUPPORTED_CONNECT_FEATURE"));
    Relation project = Relation.newBuilder().setProject(org.apache.spark.connect.proto.Project.newBuilder()
        .setInput(range(3, 1)).addExpressions(Expression.newBuilder().setUnresolvedFunction(
            Expression.UnresolvedFunction.newBuilder().setFunctionName("read_text").addArguments(col("id"))))).build();
    assertThatThrownBy(() -> compile(project)).isInstanceOfSatisfying(SparkError.class,
        e -> assertThat(e.errorClass()).isEqualTo("UNRESOLVED_ROUTINE"));
  }

  private static Relation project(Relation input, Expression e) {
    return Relation.newBuilder().setProject(org.apache.spark.connect.proto.Project.newBuilder().setInput(input)
        .addExpressions(e)).build();
  }

  private static Expression divide(Expression a, Expression b) {
    return Expression.newBuilder().setUnresolvedFunction(Expression.UnresolvedFunction.newBuilder()
        .setFunctionName("/").addArguments(a).addArguments(b)).build();
  }

  @Test
  void nestedDivisionsThatWouldDoubleTheSqlAtEachLevelAreRefusedBeforeTheyGrow() {
    // x / (x / (x / ...)): each divisor appears twice in its translation (the zero check), so
    // 60 levels would be 2^60 characters: refused once the text passes the limit.
    Expression e = col("id");
    for (int i = 0; i < 60; i++) {
      e = divide(col("id"), e);
    }
    Expression deep = e;
    assertThatThrownBy(() -> compile(project(range(3, 1), deep)))
        .isInstanceOfSatisfying(SparkError.class, err -> assertThat(err.getMessage())
            .contains("more than " + SparkPlanLimits.MAX_SQL_CHARS + " characters"));
  }

  @Test
  void relationsAndExpressionsNestedTooDeeplyAreRefused() {
    Relation r = range(3, 1);
    for (int i = 0; i < SparkPlanLimits.MAX_DEPTH + 5; i++) {
      r = project(r, col("id"));
    }
    Relation deepRelation = r;
    assertThatThrownBy(() -> compile(deepRelation)).isInstanceOfSatisfying(SparkError.class,
        err -> assertThat(err.getMessage()).contains("relation nested deeper than " + SparkPlanLimits.MAX_DEPTH));
    Expression e = col("id");
    for (int i = 0; i < SparkPlanLimits.MAX_DEPTH + 5; i++) {
      e = Expression.newBuilder().setUnresolvedFunction(Expression.UnresolvedFunction.newBuilder()
          .setFunctionName("abs").addArguments(e)).build();
    }
    Expression deepExpression = e;
    assertThatThrownBy(() -> compile(project(range(3, 1), deepExpression))).isInstanceOfSatisfying(SparkError.class,
        err -> assertThat(err.getMessage()).contains("expression nested deeper than " + SparkPlanLimits.MAX_DEPTH));
  }
}

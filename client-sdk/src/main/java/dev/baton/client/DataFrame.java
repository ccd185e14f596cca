package dev.baton.client;

import dev.baton.proto.v1.Aggregate;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Join;
import dev.baton.proto.v1.Limit;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Project;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.Sort;
import dev.baton.proto.v1.SubqueryAlias;
import dev.baton.proto.v1.Union;
import dev.baton.proto.v1.WithColumns;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.Text;

/**
 * An immutable query over a session: each transformation returns a new DataFrame; nothing runs
 * until {@link #collect()}, {@link #stream()} or {@link #count()}.
 */
public final class DataFrame {
  private final Session session;
  private final Relation relation;

  DataFrame(Session session, Relation relation) {
    this.session = session;
    this.relation = relation;
  }

  /** The plan this DataFrame sends to the driver. */
  public Plan plan() {
    return Plan.newBuilder().setRoot(relation).build();
  }

  Relation relation() {
    return relation;
  }

  private DataFrame with(Relation r) {
    return new DataFrame(session, r);
  }

  private static List<Expression> expressions(Column... columns) {
    List<Expression> out = new ArrayList<>();
    for (Column c : columns) {
      out.add(c.expression());
    }
    return out;
  }

  public DataFrame filter(Column condition) {
    return with(Relation.newBuilder().setFilter(Filter.newBuilder().setInput(relation)
        .setCondition(condition.expression())).build());
  }

  public DataFrame where(Column condition) {
    return filter(condition);
  }

  public DataFrame select(Column... columns) {
    return with(Relation.newBuilder().setProject(Project.newBuilder().setInput(relation)
        .addAllExpressions(expressions(columns))).build());
  }

  public DataFrame select(String... columns) {
    Column[] cs = new Column[columns.length];
    for (int i = 0; i < columns.length; i++) {
      cs[i] = Functions.col(columns[i]);
    }
    return select(cs);
  }

  /** Adds a column, or replaces the column of that name. */
  public DataFrame withColumn(String name, Column value) {
    return with(Relation.newBuilder().setWithColumns(WithColumns.newBuilder().setInput(relation)
        .addColumns(value.as(name).expression())).build());
  }

  public GroupedData groupBy(Column... keys) {
    return new GroupedData(this, expressions(keys));
  }

  public GroupedData groupBy(String... keys) {
    Column[] cs = new Column[keys.length];
    for (int i = 0; i < keys.length; i++) {
      cs[i] = Functions.col(keys[i]);
    }
    return groupBy(cs);
  }

  /** A global aggregate: {@code df.agg(count())}. */
  public DataFrame agg(Column... aggregates) {
    return new GroupedData(this, List.of()).agg(aggregates);
  }

  DataFrame aggregate(List<Expression> grouping, Column... aggregates) {
    return with(Relation.newBuilder().setAggregate(Aggregate.newBuilder().setInput(relation)
        .addAllGrouping(grouping).addAllAggregates(expressions(aggregates))).build());
  }

  /** Joins on a condition, e.g. {@code a.alias("a").join(b.alias("b"), col("a.k").eq(col("b.k")), JoinType.INNER)}. */
  public DataFrame join(DataFrame right, Column condition, JoinType type) {
    return with(Relation.newBuilder().setJoin(Join.newBuilder().setLeft(relation)
        .setRight(right.relation).setType(type.proto()).setCondition(condition.expression())).build());
  }

  /** Inner join on columns of the same name on both sides. */
  public DataFrame join(DataFrame right, String... usingColumns) {
    return join(right, JoinType.INNER, usingColumns);
  }

  public DataFrame join(DataFrame right, JoinType type, String... usingColumns) {
    return with(Relation.newBuilder().setJoin(Join.newBuilder().setLeft(relation)
        .setRight(right.relation).setType(type.proto()).addAllUsingColumns(List.of(usingColumns)))
        .build());
  }

  public DataFrame crossJoin(DataFrame right) {
    return with(Relation.newBuilder().setJoin(Join.newBuilder().setLeft(relation)
        .setRight(right.relation).setType(Join.JoinType.CROSS)).build());
  }

  /** Names this DataFrame so that columns can be qualified as {@code alias.column}. */
  public DataFrame alias(String alias) {
    return with(Relation.newBuilder().setAlias(SubqueryAlias.newBuilder().setInput(relation)
        .setAlias(alias)).build());
  }

  /** Sorts; use {@link Column#desc()} for descending keys. */
  public DataFrame orderBy(Column... keys) {
    Sort.Builder sort = Sort.newBuilder().setInput(relation);
    for (Column k : keys) {
      sort.addOrder(k.sortOrder());
    }
    return with(Relation.newBuilder().setSort(sort).build());
  }

  public DataFrame limit(long n) {
    return with(Relation.newBuilder().setLimit(Limit.newBuilder().setInput(relation).setLimit(n))
        .build());
  }

  /** All rows of both, duplicates kept (SQL UNION ALL), matched by position. */
  public DataFrame union(DataFrame other) {
    return with(Relation.newBuilder().setUnion(Union.newBuilder().addInputs(relation)
        .addInputs(other.relation).setAll(true)).build());
  }

  /** All rows of both, matched by column name. */
  public DataFrame unionByName(DataFrame other) {
    return with(Relation.newBuilder().setUnion(Union.newBuilder().addInputs(relation)
        .addInputs(other.relation).setAll(true).setByName(true)).build());
  }

  /** Distinct rows of both (SQL UNION). */
  public DataFrame unionDistinct(DataFrame other) {
    return with(Relation.newBuilder().setUnion(Union.newBuilder().addInputs(relation)
        .addInputs(other.relation)).build());
  }

  /** Defines a session view with this DataFrame's plan, replacing one of the same name. */
  public void createOrReplaceView(String name) {
    session.createView(name, this, true);
  }

  /** Runs the query and returns its result as Arrow batches. */
  public ArrowBatchStream stream() {
    return session.execute(plan());
  }

  /** Runs the query and returns every row. Meant for results that fit in memory. */
  public List<Row> collect() {
    List<Row> rows = new ArrayList<>();
    try (ArrowBatchStream stream = stream()) {
      VectorSchemaRoot root = stream.root();
      List<String> names = new ArrayList<>();
      Map<String, Integer> positions = new HashMap<>();
      for (int i = 0; i < root.getSchema().getFields().size(); i++) {
        String n = root.getSchema().getFields().get(i).getName();
        names.add(n);
        positions.putIfAbsent(n, i);
      }
      List<String> frozenNames = List.copyOf(names);
      while (stream.next()) {
        List<FieldVector> vectors = root.getFieldVectors();
        for (int r = 0; r < root.getRowCount(); r++) {
          Object[] values = new Object[vectors.size()];
          for (int c = 0; c < vectors.size(); c++) {
            Object v = vectors.get(c).getObject(r);
            values[c] = v instanceof Text t ? t.toString() : v;
          }
          rows.add(new Row(frozenNames, positions, values));
        }
      }
    }
    return rows;
  }

  /** The number of rows. */
  public long count() {
    return agg(Functions.count().as("count")).collect().get(0).getLong(0);
  }
}

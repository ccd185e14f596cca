package dev.baton.client;

import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.count;
import static dev.baton.client.Functions.lit;
import static dev.baton.client.Functions.sum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.proto.v1.DataSource;
import dev.baton.proto.v1.Join;
import dev.baton.proto.v1.Relation;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The fluent API builds the plans the protocol describes (no server involved). */
class DataFrameTest {
  private final Session session = null; // plans are built without a session call

  private DataFrame table(String name) {
    return new DataFrame(session, Relation.newBuilder().setRead(dev.baton.proto.v1.Read.newBuilder()
        .setTable(dev.baton.proto.v1.NamedTable.newBuilder().addNameParts(name))).build());
  }

  @Test
  void transformationsNestInOrder() {
    Relation r = table("t").filter(col("x").gt(1)).select(col("x"), col("y").as("z"))
        .orderBy(col("x").desc()).limit(5).plan().getRoot();
    assertThat(r.hasLimit()).isTrue();
    assertThat(r.getLimit().getLimit()).isEqualTo(5);
    Relation sort = r.getLimit().getInput();
    assertThat(sort.getSort().getOrder(0).getDescending()).isTrue();
    Relation project = sort.getSort().getInput();
    assertThat(project.getProject().getExpressions(1).getAlias().getName()).isEqualTo("z");
    Relation filter = project.getProject().getInput();
    assertThat(filter.getFilter().getCondition().getCall().getFunction()).isEqualTo(">");
    assertThat(filter.getFilter().getCondition().getCall().getArguments(1).getLiteral().getInt32()).isEqualTo(1);
  }

  @Test
  void groupByAggregatesAndJoins() {
    Relation agg = table("t").groupBy("k").agg(sum(col("v")).as("s"), count()).plan().getRoot();
    assertThat(agg.getAggregate().getGroupingCount()).isEqualTo(1);
    assertThat(agg.getAggregate().getAggregates(1).getCall().getArguments(0).hasStar()).isTrue();
    Relation join = table("a").alias("a").join(table("b").alias("b"), col("a.k").eq(col("b.k")), JoinType.LEFT)
        .plan().getRoot();
    assertThat(join.getJoin().getType()).isEqualTo(Join.JoinType.LEFT);
    assertThat(join.getJoin().getCondition().getCall().getArguments(0).getColumn().getNamePartsList())
        .containsExactly("a", "k");
    assertThat(table("a").join(table("b"), "id").plan().getRoot().getJoin().getUsingColumnsList())
        .containsExactly("id");
  }

  @Test
  void literalsKeepTheirTypes() {
    assertThat(lit(1L).expression().getLiteral().getInt64()).isEqualTo(1L);
    assertThat(lit("s").expression().getLiteral().getString()).isEqualTo("s");
    assertThat(lit(LocalDate.of(1970, 1, 3)).expression().getLiteral().getDate()).isEqualTo(2);
    assertThat(lit(Instant.ofEpochSecond(1, 5000)).expression().getLiteral().getTimestampMicros()).isEqualTo(1_000_005L);
    assertThat(lit(new java.math.BigDecimal("1.50")).expression().getLiteral().getDecimal()).isEqualTo("1.50");
    assertThat(lit(null).expression().getLiteral().hasNullOfType()).isTrue();
  }

  @Test
  void readerCarriesFormatPathsAndOptions() {
    Relation r = new DataFrameReader(session).option("header", "true").csv("/data/a.csv", "/data/b.csv")
        .plan().getRoot();
    DataSource ds = r.getRead().getDataSource();
    assertThat(ds.getFormat()).isEqualTo(DataSource.Format.CSV);
    assertThat(ds.getPathsList()).containsExactly("/data/a.csv", "/data/b.csv");
    assertThat(ds.getOptionsMap()).containsEntry("header", "true");
  }
}

package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.connect.proto.Catalog;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.CreateDataFrameViewCommand;
import org.apache.spark.connect.proto.DropTempView;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SqlCommand;
import org.apache.spark.connect.proto.WithRelations;
import org.junit.jupiter.api.Test;

class PlanEffectsTest {
  private final PlanEffects effects = new PlanEffects(sql -> Effect.replay("SQL: " + sql));

  private static Plan command(Command.Builder c) {
    return Plan.newBuilder().setCommand(c).build();
  }

  @Test
  void sqlIsClassifiedFromItsTextWhereverTheClientPutIt() {
    Relation sql = Relation.newBuilder().setSql(SQL.newBuilder().setQuery("SET a=1")).build();
    assertThat(effects.of(command(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder().setInput(sql)))))
        .isEqualTo(Effect.replay("SQL: SET a=1"));
    assertThat(effects.of(command(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder().setInput(
        Relation.newBuilder().setWithRelations(WithRelations.newBuilder().setRoot(sql))))))).isEqualTo(
        Effect.replay("SQL: SET a=1"));
    assertThat(effects.of(command(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder().setSql("SET b=2")))))
        .isEqualTo(Effect.replay("SQL: SET b=2"));
  }

  @Test
  void aDataFrameTempViewIsReplayedAndAGlobalOneIsReportedNotMovable() {
    assertThat(effects.of(command(Command.newBuilder().setCreateDataframeView(CreateDataFrameViewCommand.newBuilder()
        .setName("v").setReplace(true))))).isEqualTo(Effect.createTempView("v", "createOrReplaceTempView v"));
    assertThat(effects.of(command(Command.newBuilder().setCreateDataframeView(CreateDataFrameViewCommand.newBuilder()
        .setName("g").setIsGlobal(true))))).isEqualTo(Effect.notMovable("global temp view g"));
  }

  @Test
  void catalogCallsThatChangeTheSessionAreRecognisedAndQueriesChangeNothing() {
    Plan drop = Plan.newBuilder().setRoot(Relation.newBuilder().setCatalog(Catalog.newBuilder()
        .setDropTempView(DropTempView.newBuilder().setViewName("v")))).build();
    assertThat(effects.of(drop)).isEqualTo(Effect.dropTempView("v", "dropTempView v"));
    Plan query = Plan.newBuilder().setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery("SELECT 1")))
        .build();
    assertThat(effects.of(query)).isEqualTo(Effect.NONE);
    assertThat(effects.of(command(Command.newBuilder().setCheckpointCommand(
        org.apache.spark.connect.proto.CheckpointCommand.getDefaultInstance()))))
        .isEqualTo(Effect.notMovable("checkpointed DataFrame"));
  }
}

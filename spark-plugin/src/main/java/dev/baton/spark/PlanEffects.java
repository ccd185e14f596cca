package dev.baton.spark;

import java.util.function.Function;
import org.apache.spark.connect.proto.Catalog;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.CreateDataFrameViewCommand;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SqlCommand;

/** What an executed Spark Connect plan does to its session's state, once it succeeds. */
public final class PlanEffects {
  private final Function<String, Effect> sql;

  /** {@code sql} classifies SQL text ({@link SqlEffects} on a server; a stand-in in tests). */
  public PlanEffects(Function<String, Effect> sql) {
    this.sql = sql;
  }

  public Effect of(Plan plan) {
    if (plan.hasCommand()) {
      return command(plan.getCommand());
    }
    if (plan.hasRoot() && plan.getRoot().hasCatalog()) {
      return catalog(plan.getRoot().getCatalog());
    }
    return Effect.NONE;
  }

  private Effect command(Command c) {
    switch (c.getCommandTypeCase()) {
      case CREATE_DATAFRAME_VIEW -> {
        CreateDataFrameViewCommand v = c.getCreateDataframeView();
        return v.getIsGlobal() ? Effect.notMovable("global temp view " + v.getName())
            : Effect.createTempView(v.getName(), (v.getReplace() ? "createOrReplaceTempView " : "createTempView ")
                + v.getName());
      }
      case SQL_COMMAND -> {
        String text = sqlText(c.getSqlCommand());
        return text.isEmpty() ? Effect.NONE : sql.apply(text);
      }
      case REGISTER_FUNCTION -> {
        return Effect.replay("register function " + c.getRegisterFunction().getFunctionName());
      }
      case REGISTER_TABLE_FUNCTION -> {
        return Effect.replay("register table function " + c.getRegisterTableFunction().getFunctionName());
      }
      case REGISTER_DATA_SOURCE -> {
        return Effect.replay("register data source " + c.getRegisterDataSource().getName());
      }
      case CHECKPOINT_COMMAND -> {
        return Effect.notMovable("checkpointed DataFrame");
      }
      case WRITE_STREAM_OPERATION_START -> {
        return Effect.notMovable("streaming query " + c.getWriteStreamOperationStart().getQueryName());
      }
      default -> {
        return Effect.NONE;
      }
    }
  }

  private static Effect catalog(Catalog c) {
    if (c.hasDropTempView()) {
      String name = c.getDropTempView().getViewName();
      return Effect.dropTempView(name, "dropTempView " + name);
    }
    if (c.hasSetCurrentDatabase()) {
      return Effect.replay("setCurrentDatabase " + c.getSetCurrentDatabase().getDbName());
    }
    if (c.hasSetCurrentCatalog()) {
      return Effect.replay("setCurrentCatalog " + c.getSetCurrentCatalog().getCatalogName());
    }
    if (c.hasCacheTable()) {
      return Effect.notMovable("cached table " + c.getCacheTable().getTableName());
    }
    return Effect.NONE;
  }

  /** The statement of a SQL command: its input relation's query (Spark 4), else the legacy field. */
  static String sqlText(SqlCommand s) {
    if (s.hasInput()) {
      Relation r = s.getInput();
      if (r.hasWithRelations() && r.getWithRelations().getRoot().hasSql()) {
        return r.getWithRelations().getRoot().getSql().getQuery();
      }
      if (r.hasSql()) {
        return r.getSql().getQuery();
      }
      return "";
    }
    return s.getSql();
  }
}

package dev.baton.spark;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a SQL statement does to its session, read from the plan Spark's own parser makes of it
 * (so {@code SET}, {@code CREATE TEMP VIEW}, {@code USE} ... are recognised exactly as the server
 * ran them). The parser and its plan classes are reached by name: they live in the Spark server
 * the plugin is loaded into, and their names have held across the Spark 4 releases.
 */
public final class SqlEffects implements Function<String, Effect> {
  private static final Logger LOG = LoggerFactory.getLogger(SqlEffects.class);

  private static final Set<String> REPLAYED = Set.of("SetCommand", "ResetCommand", "SetNamespaceCommand",
      "SetCatalogCommand", "SetCatalogAndNamespace", "CreateVariable", "SetVariable", "DropVariable");
  private static final Set<String> CACHING = Set.of("CacheTable", "CacheTableAsSelect", "CacheTableCommand");

  private final Object parser;
  private final Method parsePlan;

  private SqlEffects(Object parser, Method parsePlan) {
    this.parser = parser;
    this.parsePlan = parsePlan;
  }

  /** Spark's SQL parser, from the server's classpath. */
  public static SqlEffects fromServer() {
    try {
      Class<?> c = Class.forName("org.apache.spark.sql.execution.SparkSqlParser");
      Object parser = c.getConstructor().newInstance();
      return new SqlEffects(parser, c.getMethod("parsePlan", String.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Spark's SQL parser (SparkSqlParser) is not on this server's classpath", e);
    }
  }

  @Override
  public Effect apply(String sql) {
    Object plan;
    try {
      plan = parsePlan.invoke(parser, sql);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // The server ran it, so it parsed there; what this parser cannot read (a script, a newer
      // syntax) may have changed the session: reported, never assumed harmless.
      LOG.warn("could not classify a statement (parser: {}): {}", e, abbreviate(sql));
      return Effect.notMovable("a statement the plugin could not read (SQL: " + abbreviate(sql) + ")");
    }
    return of(plan, sql);
  }

  /** The effect of a parsed plan; {@code sql} is its text, for the summary. */
  static Effect of(Object plan, String sql) {
    String kind = plan.getClass().getSimpleName();
    String summary = "SQL: " + abbreviate(sql);
    try {
      if (REPLAYED.contains(kind)) {
        return Effect.replay(summary);
      }
      if (CACHING.contains(kind)) {
        return Effect.notMovable("cached table (" + summary + ")");
      }
      switch (kind) {
        case "CreateViewCommand" -> {
          String type = String.valueOf(call(plan, "viewType"));
          String name = String.valueOf(call(call(plan, "name"), "table"));
          if (type.equals("LocalTempView")) {
            return Effect.createTempView(name, summary);
          }
          return type.equals("GlobalTempView") ? Effect.notMovable("global temp view " + name) : Effect.NONE;
        }
        case "CreateTempViewUsing" -> {
          String name = String.valueOf(call(call(plan, "tableIdent"), "table"));
          return Boolean.TRUE.equals(call(plan, "global")) ? Effect.notMovable("global temp view " + name)
              : Effect.createTempView(name, summary);
        }
        case "DropView", "DropTempViewCommand" -> {
          // A temp view has a one-part name; db.v names a catalog view, never replayed.
          Object parts = call(call(plan, "child"), "nameParts");
          return ((Integer) call(parts, "size")) == 1 ? Effect.dropTempView(String.valueOf(call(parts, "head")), summary)
              : Effect.NONE;
        }
        case "CreateFunctionCommand" -> {
          return Boolean.TRUE.equals(call(plan, "isTemp")) ? Effect.replay(summary) : Effect.NONE;
        }
        default -> {
          return Effect.NONE;
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("could not read the plan of {}: {}", summary, e.toString());
      return Effect.notMovable("a statement the plugin could not read (" + summary + ")");
    }
  }

  private static Object call(Object target, String method) throws ReflectiveOperationException {
    Method m = target.getClass().getMethod(method);
    m.setAccessible(true);
    return m.invoke(target);
  }

  static String abbreviate(String sql) {
    String oneLine = sql.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
  }
}

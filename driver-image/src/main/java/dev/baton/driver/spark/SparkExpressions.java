package dev.baton.driver.spark;

import com.google.protobuf.ByteString;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.connect.proto.Expression;

/**
 * Spark Connect expressions as DuckDB SQL, each with the column name Spark would give it
 * ({@code sum(x)}, {@code (id > 5)}), so a result's columns are named as in Spark.
 */
final class SparkExpressions {
  /** SQL text and Spark's name for the column it makes. */
  record Compiled(String sql, String name) {}

  /** Relations by plan id, for references such as {@code left["id"]} inside a join. */
  private final Map<Long, String> planAliases;

  SparkExpressions(Map<Long, String> planAliases) {
    this.planAliases = planAliases;
  }

  static SparkExpressions plain() {
    return new SparkExpressions(Map.of());
  }

  SparkExpressions withAliases(Map<Long, String> aliases) {
    return new SparkExpressions(aliases);
  }

  String sql(Expression e) {
    return compile(e).sql();
  }

  /** An expression in a select list: aliased with Spark's name unless it is a bare column or star. */
  String selectItem(Expression e) {
    if (e.hasExpressionString()) {
      // selectExpr("a * 2 AS b"): the text is a select item, alias and all.
      return SparkSqlDialect.toDuckDb(e.getExpressionString().getExpression());
    }
    Compiled c = compile(e);
    if (e.hasUnresolvedStar() || e.hasUnresolvedAttribute() || e.hasAlias()) {
      return c.sql();
    }
    return c.sql() + " AS " + SparkNames.quote(c.name());
  }

  /** How deep the expression being compiled is nested. */
  private int depth;

  Compiled compile(Expression e) {
    SparkPlanLimits.checkDepth(++depth, "expression");
    try {
      Compiled c = compileNode(e);
      SparkPlanLimits.checkLength(c.sql());
      return c;
    } finally {
      depth--;
    }
  }

  private Compiled compileNode(Expression e) {
    switch (e.getExprTypeCase()) {
      case LITERAL:
        return literal(e.getLiteral());
      case UNRESOLVED_ATTRIBUTE: {
        Expression.UnresolvedAttribute a = e.getUnresolvedAttribute();
        List<String> parts = SparkNames.parts(a.getUnparsedIdentifier());
        String sql = SparkNames.identifier(a.getUnparsedIdentifier());
        if (a.hasPlanId() && planAliases.containsKey(a.getPlanId()) && parts.size() == 1) {
          sql = SparkNames.quote(planAliases.get(a.getPlanId())) + "." + sql;
        }
        return new Compiled(sql, parts.get(parts.size() - 1));
      }
      case UNRESOLVED_STAR: {
        Expression.UnresolvedStar s = e.getUnresolvedStar();
        if (s.hasUnparsedTarget()) {
          String target = s.getUnparsedTarget();
          if (!target.endsWith(".*")) {
            throw SparkError.invalidPlan("star target '" + target + "' does not end with .*");
          }
          return new Compiled(SparkNames.identifier(target.substring(0, target.length() - 2)) + ".*", "*");
        }
        if (s.hasPlanId() && planAliases.containsKey(s.getPlanId())) {
          return new Compiled(SparkNames.quote(planAliases.get(s.getPlanId())) + ".*", "*");
        }
        return new Compiled("*", "*");
      }
      case ALIAS: {
        Expression.Alias a = e.getAlias();
        if (a.getNameCount() != 1) {
          throw SparkError.unsupported("an alias with " + a.getNameCount() + " names");
        }
        return new Compiled(compile(a.getExpr()).sql() + " AS " + SparkNames.quote(a.getName(0)), a.getName(0));
      }
      case CAST: {
        Expression.Cast c = e.getCast();
        Compiled inner = compile(c.getExpr());
        String type = c.hasType() ? SparkTypes.duckdb(c.getType()) : SparkTypes.duckdb(c.getTypeStr());
        String typeName = c.hasType() ? SparkTypes.simpleString(c.getType()) : c.getTypeStr();
        String fn = c.getEvalMode() == Expression.Cast.EvalMode.EVAL_MODE_TRY ? "TRY_CAST" : "CAST";
        return new Compiled(fn + "(" + inner.sql() + " AS " + type + ")",
            "CAST(" + inner.name() + " AS " + typeName.toUpperCase(Locale.ROOT) + ")");
      }
      case EXPRESSION_STRING: {
        String text = e.getExpressionString().getExpression();
        return new Compiled("(" + SparkSqlDialect.toDuckDb(text) + ")", text);
      }
      case UNRESOLVED_FUNCTION: {
        Expression.UnresolvedFunction f = e.getUnresolvedFunction();
        return function(f.getFunctionName(), f.getArgumentsList(), f.getIsDistinct());
      }
      case CALL_FUNCTION:
        return function(e.getCallFunction().getFunctionName(), e.getCallFunction().getArgumentsList(), false);
      case SORT_ORDER:
        return sortOrder(e.getSortOrder());
      case UNRESOLVED_EXTRACT_VALUE: {
        Expression.UnresolvedExtractValue x = e.getUnresolvedExtractValue();
        Compiled child = compile(x.getChild());
        Expression key = x.getExtraction();
        if (key.hasLiteral() && key.getLiteral().hasString()) {
          return new Compiled(child.sql() + "[" + literal(key.getLiteral()).sql() + "]",
              child.name() + "." + key.getLiteral().getString());
        }
        Compiled k = compile(key);
        return new Compiled(child.sql() + "[(" + k.sql() + ") + 1]", child.name() + "[" + k.name() + "]");
      }
      case WINDOW:
        return window(e.getWindow());
      default:
        throw SparkError.unsupported("the expression " + e.getExprTypeCase().name().toLowerCase(Locale.ROOT));
    }
  }

  private Compiled function(String name, List<Expression> arguments, boolean distinct) {
    List<String> args = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Expression a : arguments) {
      Compiled c = compile(a);
      args.add(c.sql());
      names.add(c.name());
    }
    String sql = SparkFunctions.render(name, args, distinct);
    if (sql == null) {
      throw new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, SparkError.ANALYSIS, "UNRESOLVED_ROUTINE", "42883",
          "cannot resolve routine `" + name + "` with " + args.size() + " argument(s): the Baton reference "
              + "driver runs the functions listed in docs/spark-connect.md", Map.of("routineName", "`" + name + "`"));
    }
    return new Compiled(sql, sparkName(name, names, distinct));
  }

  /** Spark's name for a call: infix for operators, {@code f(a, b)} otherwise. */
  private static String sparkName(String fn, List<String> args, boolean distinct) {
    String lower = fn.toLowerCase(Locale.ROOT);
    if (args.size() == 2 && !Character.isLetter(fn.charAt(0))) {
      return "(" + args.get(0) + " " + (fn.equals("==") ? "=" : fn) + " " + args.get(1) + ")";
    }
    switch (lower) {
      case "and", "or":
        return "(" + args.get(0) + " " + lower.toUpperCase(Locale.ROOT) + " " + args.get(1) + ")";
      case "not":
        return "(NOT " + args.get(0) + ")";
      case "isnull":
        return "(" + args.get(0) + " IS NULL)";
      case "isnotnull":
        return "(" + args.get(0) + " IS NOT NULL)";
      case "negative":
        return "(- " + args.get(0) + ")";
      case "in":
        return "(" + args.get(0) + " IN (" + String.join(", ", args.subList(1, args.size())) + "))";
      case "when":
        return SparkFunctions.caseWhen(args);
      case "mean":
        return "avg(" + String.join(", ", args) + ")";
      case "count":
        // Spark rewrites count(*) to count(1) and names it so.
        return args.equals(List.of("*")) ? "count(1)" : "count(" + (distinct ? "DISTINCT " : "")
            + String.join(", ", args) + ")";
      default:
        return lower + "(" + (distinct ? "DISTINCT " : "") + String.join(", ", args) + ")";
    }
  }

  Compiled sortOrder(Expression.SortOrder o) {
    Compiled child = compile(o.getChild());
    boolean desc = o.getDirection() == Expression.SortOrder.SortDirection.SORT_DIRECTION_DESCENDING;
    // Spark sorts nulls first when ascending and last when descending unless told; DuckDB
    // always sorts them last, so the order is always written out.
    boolean nullsFirst = switch (o.getNullOrdering()) {
      case SORT_NULLS_FIRST -> true;
      case SORT_NULLS_LAST -> false;
      default -> !desc;
    };
    return new Compiled(child.sql() + (desc ? " DESC" : " ASC") + (nullsFirst ? " NULLS FIRST" : " NULLS LAST"),
        child.name() + (desc ? " DESC" : " ASC") + (nullsFirst ? " NULLS FIRST" : " NULLS LAST"));
  }

  private Compiled window(Expression.Window w) {
    Compiled fn = compile(w.getWindowFunction());
    StringBuilder over = new StringBuilder();
    if (w.getPartitionSpecCount() > 0) {
      List<String> parts = new ArrayList<>();
      for (Expression p : w.getPartitionSpecList()) {
        parts.add(sql(p));
      }
      over.append("PARTITION BY ").append(String.join(", ", parts));
    }
    if (w.getOrderSpecCount() > 0) {
      List<String> orders = new ArrayList<>();
      for (Expression.SortOrder o : w.getOrderSpecList()) {
        orders.add(sortOrder(o).sql());
      }
      over.append(over.length() > 0 ? " " : "").append("ORDER BY ").append(String.join(", ", orders));
    }
    if (w.hasFrameSpec()) {
      Expression.Window.WindowFrame f = w.getFrameSpec();
      String kind = f.getFrameType() == Expression.Window.WindowFrame.FrameType.FRAME_TYPE_RANGE ? "RANGE" : "ROWS";
      over.append(" ").append(kind).append(" BETWEEN ").append(bound(f.getLower(), true)).append(" AND ")
          .append(bound(f.getUpper(), false));
    }
    return new Compiled(fn.sql() + " OVER (" + over + ")", fn.name() + " OVER (" + over + ")");
  }

  private String bound(Expression.Window.WindowFrame.FrameBoundary b, boolean lower) {
    if (b.getCurrentRow()) {
      return "CURRENT ROW";
    }
    if (b.getUnbounded()) {
      return lower ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING";
    }
    Expression.Literal v = b.getValue().getLiteral();
    long n = switch (v.getLiteralTypeCase()) {
      case INTEGER -> v.getInteger();
      case LONG -> v.getLong();
      default -> throw SparkError.unsupported("a window frame bound that is not a whole number");
    };
    return n == 0 ? "CURRENT ROW" : Math.abs(n) + (n < 0 ? " PRECEDING" : " FOLLOWING");
  }

  /** A literal as SQL, typed as Spark types it. */
  static Compiled literal(Expression.Literal l) {
    switch (l.getLiteralTypeCase()) {
      case NULL:
        return new Compiled(l.getNull().getKindCase() == org.apache.spark.connect.proto.DataType.KindCase.NULL
            ? "NULL" : "CAST(NULL AS " + SparkTypes.duckdb(l.getNull()) + ")", "NULL");
      case BOOLEAN:
        return new Compiled(l.getBoolean() ? "true" : "false", String.valueOf(l.getBoolean()));
      case BYTE:
        return new Compiled("CAST(" + l.getByte() + " AS TINYINT)", String.valueOf(l.getByte()));
      case SHORT:
        return new Compiled("CAST(" + l.getShort() + " AS SMALLINT)", String.valueOf(l.getShort()));
      case INTEGER:
        return new Compiled("CAST(" + l.getInteger() + " AS INTEGER)", String.valueOf(l.getInteger()));
      case LONG:
        return new Compiled("CAST(" + l.getLong() + " AS BIGINT)", l.getLong() + "L");
      case FLOAT:
        return new Compiled("CAST('" + l.getFloat() + "' AS FLOAT)", String.valueOf(l.getFloat()));
      case DOUBLE:
        return new Compiled("CAST('" + l.getDouble() + "' AS DOUBLE)", String.valueOf(l.getDouble()));
      case DECIMAL: {
        Expression.Literal.Decimal d = l.getDecimal();
        java.math.BigDecimal v = new java.math.BigDecimal(d.getValue());
        int precision = d.hasPrecision() ? d.getPrecision() : Math.max(v.precision(), 1);
        int scale = d.hasScale() ? d.getScale() : Math.max(v.scale(), 0);
        return new Compiled("CAST('" + d.getValue() + "' AS DECIMAL(" + Math.max(precision, scale) + "," + scale
            + "))", d.getValue());
      }
      case STRING:
        return new Compiled("'" + l.getString().replace("'", "''") + "'", l.getString());
      case BINARY: {
        ByteString b = l.getBinary();
        return new Compiled("from_hex('" + HexFormat.of().formatHex(b.toByteArray()) + "')", "X'"
            + HexFormat.of().withUpperCase().formatHex(b.toByteArray()) + "'");
      }
      case DATE: {
        String d = LocalDate.ofEpochDay(l.getDate()).toString();
        return new Compiled("DATE '" + d + "'", "DATE '" + d + "'");
      }
      case TIMESTAMP:
        return new Compiled("(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(" + l.getTimestamp()
            + "))", "TIMESTAMP " + l.getTimestamp());
      case TIMESTAMP_NTZ:
        return new Compiled("make_timestamp(CAST(" + l.getTimestampNtz() + " AS BIGINT))",
            "TIMESTAMP_NTZ " + l.getTimestampNtz());
      case ARRAY: {
        List<String> items = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Expression.Literal item : l.getArray().getElementsList()) {
          Compiled c = literal(item);
          items.add(c.sql());
          names.add(c.name());
        }
        return new Compiled("[" + String.join(", ", items) + "]", "array(" + String.join(", ", names) + ")");
      }
      default:
        throw SparkError.unsupported("a " + l.getLiteralTypeCase().name().toLowerCase(Locale.ROOT) + " literal");
    }
  }
}

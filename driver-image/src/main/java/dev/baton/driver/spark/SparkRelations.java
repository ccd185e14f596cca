package dev.baton.driver.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.connect.proto.Aggregate;
import org.apache.spark.connect.proto.Expression;
import org.apache.spark.connect.proto.Join;
import org.apache.spark.connect.proto.Read;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SetOperation;

/**
 * Compiles Spark Connect relations into one DuckDB query. Each relation becomes a query over its
 * input as a subquery; names are resolved by DuckDB, with Spark's case-insensitive rules. Where
 * Spark's result differs from DuckDB's natural one (column types, null ordering, names), the
 * query says so explicitly.
 */
public final class SparkRelations {
  private final SparkEngine engine;
  private int aliases;

  SparkRelations(SparkEngine engine) {
    this.engine = engine;
  }

  /** The query for a relation returned to a client, its columns typed as Spark types them. */
  public String compileRoot(Relation r) {
    if (r.hasShowString()) {
      return showString(r.getShowString());
    }
    return shaped(compile(r));
  }

  /**
   * Wraps a query so each column has a type Spark Connect clients read: DuckDB's 128-bit and
   * unsigned integers, its other timestamp units, intervals and enums become their Spark
   * counterparts (an integer sum is a bigint in Spark, and fails on overflow as Spark's does).
   */
  String shaped(String sql) {
    List<SparkEngine.Column> columns = engine.describe(sql);
    boolean change = false;
    List<String> items = new ArrayList<>();
    for (SparkEngine.Column c : columns) {
      String target = sparkType(c.type());
      String col = SparkNames.quote(c.name());
      if (target == null) {
        items.add(col);
      } else {
        change = true;
        items.add("CAST(" + col + " AS " + target + ") AS " + col);
      }
    }
    if (!change) {
      return sql;
    }
    return "SELECT " + String.join(", ", items) + " FROM (" + sql + "\n) AS " + alias();
  }

  /** The type a DuckDB column is cast to for Spark, or null when it is read as it is. */
  static String sparkType(String duckType) {
    String t = duckType.toUpperCase(Locale.ROOT);
    return switch (t) {
      case "HUGEINT" -> "BIGINT";
      case "UHUGEINT" -> "DECIMAL(38,0)";
      case "UBIGINT" -> "DECIMAL(20,0)";
      case "UINTEGER" -> "BIGINT";
      case "USMALLINT" -> "INTEGER";
      case "UTINYINT" -> "SMALLINT";
      case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS" -> "TIMESTAMP";
      case "INTERVAL", "UUID", "BIT", "JSON", "TIME", "TIME WITH TIME ZONE", "VARINT", "BIGNUM" -> "VARCHAR";
      default -> t.startsWith("ENUM") ? "VARCHAR" : null;
    };
  }

  private String alias() {
    return SparkNames.quote("_s" + (++aliases));
  }

  String compile(Relation r) {
    return compile(r, SparkExpressions.plain());
  }

  private String from(Relation input) {
    return "(" + compile(input) + "\n) AS " + alias();
  }

  /** How deep the relation being compiled is nested. */
  private int depth;

  String compile(Relation r, SparkExpressions ex) {
    SparkPlanLimits.checkDepth(++depth, "relation");
    try {
      return SparkPlanLimits.checkLength(compileNode(r, ex));
    } finally {
      depth--;
    }
  }

  private String compileNode(Relation r, SparkExpressions ex) {
    switch (r.getRelTypeCase()) {
      case RANGE: {
        var range = r.getRange();
        long step = range.getStep() == 0 ? 1 : range.getStep();
        return "SELECT range AS \"id\" FROM range(CAST(" + range.getStart() + " AS BIGINT), CAST(" + range.getEnd()
            + " AS BIGINT), CAST(" + step + " AS BIGINT))";
      }
      case SQL:
        return sql(r.getSql());
      case READ:
        return read(r.getRead());
      case LOCAL_RELATION: {
        var local = r.getLocalRelation();
        if (!local.hasData() || local.getData().isEmpty()) {
          throw SparkError.unsupported("a local relation without data");
        }
        return "SELECT * FROM " + SparkNames.quote(engine.localTable(local.getData().toByteArray()));
      }
      case FILTER:
        return "SELECT * FROM " + from(r.getFilter().getInput()) + " WHERE "
            + ex.sql(r.getFilter().getCondition());
      case PROJECT: {
        var p = r.getProject();
        List<String> items = new ArrayList<>();
        for (Expression e : p.getExpressionsList()) {
          items.add(ex.selectItem(e));
        }
        if (items.isEmpty()) {
          throw SparkError.invalidPlan("a projection of no columns");
        }
        return "SELECT " + String.join(", ", items) + (p.hasInput() ? " FROM " + from(p.getInput()) : "");
      }
      case WITH_COLUMNS:
        return withColumns(r.getWithColumns());
      case WITH_COLUMNS_RENAMED:
        return renamed(r.getWithColumnsRenamed());
      case DROP:
        return drop(r.getDrop());
      case TO_DF: {
        var t = r.getToDf();
        String in = compile(t.getInput());
        List<SparkEngine.Column> cols = engine.describe(in);
        if (cols.size() != t.getColumnNamesCount()) {
          throw SparkError.analysis("INVALID_COLUMN_NAMES", "42000", "toDF was given "
              + t.getColumnNamesCount() + " names for " + cols.size() + " columns");
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < cols.size(); i++) {
          items.add("#" + (i + 1) + " AS " + SparkNames.quote(t.getColumnNames(i)));
        }
        return "SELECT " + String.join(", ", items) + " FROM (" + in + "\n) AS " + alias();
      }
      case AGGREGATE:
        return aggregate(r.getAggregate());
      case JOIN:
        return join(r.getJoin());
      case SORT: {
        var s = r.getSort();
        List<String> orders = new ArrayList<>();
        for (Expression.SortOrder o : s.getOrderList()) {
          orders.add(ex.sortOrder(o).sql());
        }
        return "SELECT * FROM " + from(s.getInput()) + " ORDER BY " + String.join(", ", orders);
      }
      case LIMIT:
        return "SELECT * FROM " + from(r.getLimit().getInput()) + " LIMIT " + nonNegative(r.getLimit().getLimit());
      case OFFSET:
        return "SELECT * FROM " + from(r.getOffset().getInput()) + " OFFSET " + nonNegative(r.getOffset().getOffset());
      case TAIL: {
        String in = compile(r.getTail().getInput());
        String a = alias();
        return "SELECT * EXCLUDE (\"_baton_rn\") FROM (SELECT *, row_number() OVER () AS \"_baton_rn\" FROM (" + in
            + "\n) AS " + a + ") AS " + alias() + " QUALIFY \"_baton_rn\" > count(*) OVER () - "
            + nonNegative(r.getTail().getLimit()) + " ORDER BY \"_baton_rn\"";
      }
      case SET_OP:
        return setOperation(r.getSetOp());
      case DEDUPLICATE: {
        var d = r.getDeduplicate();
        if (d.getAllColumnsAsKeys() || d.getColumnNamesCount() == 0) {
          return "SELECT DISTINCT * FROM " + from(d.getInput());
        }
        String keys = d.getColumnNamesList().stream().map(SparkNames::quote).collect(Collectors.joining(", "));
        return "SELECT DISTINCT ON (" + keys + ") * FROM " + from(d.getInput());
      }
      case SUBQUERY_ALIAS:
        return "SELECT * FROM (" + compile(r.getSubqueryAlias().getInput()) + "\n) AS "
            + SparkNames.quote(r.getSubqueryAlias().getAlias());
      case SAMPLE: {
        var s = r.getSample();
        double percent = (s.getUpperBound() - s.getLowerBound()) * 100.0;
        if (percent < 0 || percent > 100) {
          throw SparkError.invalidPlan("sample fraction out of [0, 1]");
        }
        return "SELECT * FROM " + from(s.getInput()) + " USING SAMPLE " + percent + " PERCENT (bernoulli"
            + (s.hasSeed() ? ", " + s.getSeed() : "") + ")";
      }
      case HINT:
        return compile(r.getHint().getInput()); // advice to a distributed planner; nothing to do here
      case REPARTITION:
        return compile(r.getRepartition().getInput()); // one process: partitions change nothing
      case REPARTITION_BY_EXPRESSION:
        return compile(r.getRepartitionByExpression().getInput());
      case SHOW_STRING:
        throw SparkError.unsupported("show() inside another plan");
      case RELTYPE_NOT_SET:
        throw SparkError.invalidPlan("a relation with no type");
      default:
        throw SparkError.unsupported("the " + r.getRelTypeCase().name().toLowerCase(Locale.ROOT) + " relation");
    }
  }

  private static int nonNegative(int n) {
    if (n < 0) {
      throw SparkError.invalidPlan("a negative limit or offset (" + n + ")");
    }
    return n;
  }

  private String sql(SQL s) {
    Map<String, String> named = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    SparkExpressions ex = SparkExpressions.plain();
    s.getArgsMap().forEach((k, v) -> named.put(k, SparkExpressions.literal(v).sql()));
    s.getNamedArgumentsMap().forEach((k, v) -> named.put(k, ex.sql(v)));
    s.getPosArgsList().forEach(v -> positional.add(SparkExpressions.literal(v).sql()));
    s.getPosArgumentsList().forEach(v -> positional.add(ex.sql(v)));
    return SparkSqlDialect.toDuckDb(s.getQuery(), named, positional);
  }

  private String read(Read read) {
    switch (read.getReadTypeCase()) {
      case NAMED_TABLE:
        return "SELECT * FROM " + SparkNames.identifier(read.getNamedTable().getUnparsedIdentifier());
      case DATA_SOURCE: {
        Read.DataSource ds = read.getDataSource();
        String format = ds.hasFormat() ? ds.getFormat().toLowerCase(Locale.ROOT) : "parquet";
        if (ds.getPathsCount() == 0) {
          throw SparkError.invalidPlan("a " + format + " read without paths");
        }
        String paths = "[" + ds.getPathsList().stream().map(p -> "'" + p.replace("'", "''") + "'")
            .collect(Collectors.joining(", ")) + "]";
        Map<String, String> opts = new HashMap<>();
        ds.getOptionsMap().forEach((k, v) -> opts.put(k.toLowerCase(Locale.ROOT), v));
        return switch (format) {
          case "parquet" -> "SELECT * FROM read_parquet(" + paths + ")";
          case "csv" -> "SELECT * FROM read_csv(" + paths + ", header = "
              + Boolean.parseBoolean(opts.getOrDefault("header", "false"))
              + (opts.containsKey("sep") || opts.containsKey("delimiter")
                  ? ", delim = '" + opts.getOrDefault("sep", opts.get("delimiter")).replace("'", "''") + "'" : "")
              + ")";
          case "json" -> "SELECT * FROM read_json(" + paths + ")";
          default -> throw SparkError.unsupported("reading format '" + format + "'");
        };
      }
      default:
        throw SparkError.invalidPlan("a read with no source");
    }
  }

  private String withColumns(org.apache.spark.connect.proto.WithColumns w) {
    String in = compile(w.getInput());
    List<SparkEngine.Column> cols = engine.describe(in);
    SparkExpressions ex = SparkExpressions.plain();
    Map<String, String> replaced = new LinkedHashMap<>();
    List<String> added = new ArrayList<>();
    for (Expression.Alias a : w.getAliasesList()) {
      if (a.getNameCount() != 1) {
        throw SparkError.unsupported("withColumns with a multi-part name");
      }
      String name = a.getName(0);
      String value = ex.sql(a.getExpr());
      String existing = cols.stream().map(SparkEngine.Column::name).filter(c -> c.equalsIgnoreCase(name))
          .findFirst().orElse(null);
      if (existing != null) {
        replaced.put(existing.toLowerCase(Locale.ROOT), value);
      } else {
        added.add(value + " AS " + SparkNames.quote(name));
      }
    }
    List<String> items = new ArrayList<>();
    for (SparkEngine.Column c : cols) {
      String value = replaced.get(c.name().toLowerCase(Locale.ROOT));
      items.add(value == null ? SparkNames.quote(c.name()) : value + " AS " + SparkNames.quote(c.name()));
    }
    items.addAll(added);
    return "SELECT " + String.join(", ", items) + " FROM (" + in + "\n) AS " + alias();
  }

  private String renamed(org.apache.spark.connect.proto.WithColumnsRenamed w) {
    String in = compile(w.getInput());
    Map<String, String> renames = new LinkedHashMap<>();
    w.getRenameColumnsMapMap().forEach((k, v) -> renames.put(k.toLowerCase(Locale.ROOT), v));
    w.getRenamesList().forEach(r -> renames.put(r.getColName().toLowerCase(Locale.ROOT), r.getNewColName()));
    List<String> items = new ArrayList<>();
    for (SparkEngine.Column c : engine.describe(in)) {
      String to = renames.get(c.name().toLowerCase(Locale.ROOT));
      items.add(SparkNames.quote(c.name()) + (to == null ? "" : " AS " + SparkNames.quote(to)));
    }
    return "SELECT " + String.join(", ", items) + " FROM (" + in + "\n) AS " + alias();
  }

  private String drop(org.apache.spark.connect.proto.Drop d) {
    String in = compile(d.getInput());
    List<String> names = new ArrayList<>();
    d.getColumnNamesList().forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
    for (Expression e : d.getColumnsList()) {
      if (!e.hasUnresolvedAttribute()) {
        throw SparkError.unsupported("drop() of an expression that is not a column");
      }
      List<String> parts = SparkNames.parts(e.getUnresolvedAttribute().getUnparsedIdentifier());
      names.add(parts.get(parts.size() - 1).toLowerCase(Locale.ROOT));
    }
    List<String> items = new ArrayList<>();
    for (SparkEngine.Column c : engine.describe(in)) {
      if (!names.contains(c.name().toLowerCase(Locale.ROOT))) {
        items.add(SparkNames.quote(c.name()));
      }
    }
    if (items.isEmpty()) {
      throw SparkError.unsupported("dropping every column");
    }
    return "SELECT " + String.join(", ", items) + " FROM (" + in + "\n) AS " + alias();
  }

  private String aggregate(Aggregate a) {
    SparkExpressions ex = SparkExpressions.plain();
    List<String> keys = new ArrayList<>();
    List<String> items = new ArrayList<>();
    for (Expression g : a.getGroupingExpressionsList()) {
      keys.add(ex.sql(g));
      items.add(ex.selectItem(g));
    }
    for (Expression e : a.getAggregateExpressionsList()) {
      items.add(ex.selectItem(e));
    }
    String group = switch (a.getGroupType()) {
      case GROUP_TYPE_GROUPBY, GROUP_TYPE_UNSPECIFIED -> keys.isEmpty() ? "" : " GROUP BY " + String.join(", ", keys);
      case GROUP_TYPE_ROLLUP -> " GROUP BY ROLLUP (" + String.join(", ", keys) + ")";
      case GROUP_TYPE_CUBE -> " GROUP BY CUBE (" + String.join(", ", keys) + ")";
      case GROUP_TYPE_GROUPING_SETS -> {
        List<String> sets = new ArrayList<>();
        for (Aggregate.GroupingSets set : a.getGroupingSetsList()) {
          sets.add("(" + set.getGroupingSetList().stream().map(ex::sql).collect(Collectors.joining(", ")) + ")");
        }
        yield " GROUP BY GROUPING SETS (" + String.join(", ", sets) + ")";
      }
      default -> throw SparkError.unsupported("pivot");
    };
    if (items.isEmpty()) {
      throw SparkError.invalidPlan("an aggregate with no columns");
    }
    return "SELECT " + String.join(", ", items) + " FROM " + from(a.getInput()) + group;
  }

  private String join(Join j) {
    Side left = side(j.getLeft(), "_l");
    Side right = side(j.getRight(), "_r");
    Map<Long, String> planAliases = new HashMap<>();
    planIds(j.getLeft(), left.alias(), planAliases);
    planIds(j.getRight(), right.alias(), planAliases);
    SparkExpressions ex = SparkExpressions.plain().withAliases(planAliases);
    String kind = switch (j.getJoinType()) {
      case JOIN_TYPE_INNER, JOIN_TYPE_UNSPECIFIED -> "INNER JOIN";
      case JOIN_TYPE_FULL_OUTER -> "FULL OUTER JOIN";
      case JOIN_TYPE_LEFT_OUTER -> "LEFT OUTER JOIN";
      case JOIN_TYPE_RIGHT_OUTER -> "RIGHT OUTER JOIN";
      case JOIN_TYPE_LEFT_ANTI -> "ANTI JOIN";
      case JOIN_TYPE_LEFT_SEMI -> "SEMI JOIN";
      case JOIN_TYPE_CROSS -> "CROSS JOIN";
      default -> throw SparkError.unsupported("join type " + j.getJoinType());
    };
    String on;
    if (j.getUsingColumnsCount() > 0) {
      on = " USING (" + j.getUsingColumnsList().stream().map(SparkNames::quote).collect(Collectors.joining(", "))
          + ")";
      if (kind.equals("CROSS JOIN")) {
        kind = "INNER JOIN";
      }
    } else if (j.hasJoinCondition()) {
      on = " ON " + ex.sql(j.getJoinCondition());
      if (kind.equals("CROSS JOIN")) {
        kind = "INNER JOIN";
      }
    } else {
      on = kind.equals("CROSS JOIN") ? "" : " ON true";
    }
    return "SELECT * FROM (" + left.sql() + "\n) AS " + SparkNames.quote(left.alias()) + " " + kind + " ("
        + right.sql() + "\n) AS " + SparkNames.quote(right.alias()) + on;
  }

  /** One side of a join: its query and the name it goes by ({@code df.alias("a")} keeps its own). */
  private record Side(String sql, String alias) {}

  private Side side(Relation r, String prefix) {
    if (r.hasSubqueryAlias()) {
      return new Side(compile(r.getSubqueryAlias().getInput()), r.getSubqueryAlias().getAlias());
    }
    String alias = r.getCommon().hasPlanId() ? "_p" + r.getCommon().getPlanId() : prefix + (++aliases);
    return new Side(compile(r), alias);
  }

  /** Every plan id in a relation's tree refers to the join side it belongs to. */
  private static void planIds(Relation r, String alias, Map<Long, String> out) {
    if (r.getCommon().hasPlanId()) {
      out.putIfAbsent(r.getCommon().getPlanId(), alias);
    }
    for (var field : r.getAllFields().entrySet()) {
      Object v = field.getValue();
      if (v instanceof com.google.protobuf.Message m) {
        m.getAllFields().values().forEach(inner -> visit(inner, alias, out));
      }
    }
  }

  private static void visit(Object v, String alias, Map<Long, String> out) {
    if (v instanceof Relation child) {
      planIds(child, alias, out);
    } else if (v instanceof List<?> list) {
      list.forEach(item -> visit(item, alias, out));
    }
  }

  private String setOperation(SetOperation s) {
    boolean all = s.hasIsAll() && s.getIsAll();
    String op = switch (s.getSetOpType()) {
      case SET_OP_TYPE_UNION -> "UNION" + (all ? " ALL" : "") + (s.getByName() ? " BY NAME" : "");
      case SET_OP_TYPE_INTERSECT -> "INTERSECT" + (all ? " ALL" : "");
      case SET_OP_TYPE_EXCEPT -> "EXCEPT" + (all ? " ALL" : "");
      default -> throw SparkError.invalidPlan("a set operation with no type");
    };
    return "SELECT * FROM " + from(s.getLeftInput()) + "\n" + op + "\nSELECT * FROM " + from(s.getRightInput());
  }

  /** Rows one show() renders at most (its text is also bounded by {@link SparkPlanLimits}). */
  static final int MAX_SHOW_ROWS = 1_000_000;

  private String showString(org.apache.spark.connect.proto.ShowString s) {
    String in = shaped(compile(s.getInput()));
    // One row more than shown tells whether there are more; the limit keeps numRows + 1 an int.
    int numRows = Math.min(Math.max(s.getNumRows(), 0), MAX_SHOW_ROWS);
    SparkEngine.Rows rows = engine.rows(in, numRows + 1);
    // Cells are padded to their column's widest: the text is about rows x the widest row.
    int cut = s.getTruncate() > 0 ? s.getTruncate() : Integer.MAX_VALUE;
    long widest = 0;
    for (int c = 0; c < rows.columns().size(); c++) {
      int col = c;
      widest += 3 + Math.max(rows.columns().get(c).length(),
          rows.rows().stream().mapToInt(r -> Math.min(cut, r.get(col).length())).max().orElse(0));
    }
    SparkPlanLimits.checkLength((int) Math.min(Integer.MAX_VALUE, widest * (rows.rows().size() + 4)));
    String text = ShowStringFormat.format(rows, numRows, s.getTruncate(), s.getVertical());
    return "SELECT '" + text.replace("'", "''") + "' AS \"show_string\"";
  }
}

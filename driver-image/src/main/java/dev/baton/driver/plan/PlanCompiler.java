package dev.baton.driver.plan;

import dev.baton.proto.v1.Aggregate;
import dev.baton.proto.v1.Cast;
import dev.baton.proto.v1.DataSource;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Join;
import dev.baton.proto.v1.Limit;
import dev.baton.proto.v1.Literal;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Project;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.Read;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.Sort;
import dev.baton.proto.v1.SortOrder;
import dev.baton.proto.v1.Union;
import dev.baton.proto.v1.WithColumns;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Compiles a {@link Plan} to one DuckDB SQL query. Identifiers are quoted, literals escaped and
 * typed, function names checked against {@link FunctionCatalog}: nothing in a plan can change the
 * structure of the statement it becomes. Errors name the plan node, e.g.
 * {@code root.filter.condition.call(foo): unknown function 'foo'}.
 */
public final class PlanCompiler {

  /** Lists the output column names of a query; used to compile {@code WithColumns}. */
  @FunctionalInterface
  public interface ColumnLister {
    List<String> columnsOf(String sql);
  }

  private static final int MAX_DEPTH = 200;
  private static final Pattern TYPE = Pattern.compile(
      "(?i)(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT"
          + "|FLOAT|DOUBLE|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMPTZ|INTERVAL|BLOB|UUID"
          + "|DECIMAL\\s*\\(\\s*\\d{1,2}\\s*,\\s*\\d{1,2}\\s*\\))");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?\\d{1,38}(\\.\\d{1,38})?");
  private static final Map<DataSource.Format, ReaderOptions> READERS = Map.of(
      DataSource.Format.PARQUET, ReaderOptions.PARQUET,
      DataSource.Format.CSV, ReaderOptions.CSV,
      DataSource.Format.JSON, ReaderOptions.JSON);

  private final ColumnLister columnLister;
  private int aliasCounter;

  public PlanCompiler(ColumnLister columnLister) {
    this.columnLister = columnLister;
  }

  /** The plan as one SQL statement. A root {@code Sql} relation is returned as written. */
  public String compile(Plan plan) {
    if (!plan.hasRoot()) {
      throw new PlanException("root", "plan has no root relation");
    }
    Relation root = plan.getRoot();
    if (root.getKindCase() == Relation.KindCase.SQL) {
      return rawSql("root.sql", root.getSql().getQuery());
    }
    return relation("root", root, 0);
  }

  /** The plan as a query usable inside another (a view body); raw SQL must be a query here. */
  public String compileQuery(Plan plan) {
    if (!plan.hasRoot()) {
      throw new PlanException("root", "plan has no root relation");
    }
    return relation("root", plan.getRoot(), 0);
  }

  private String relation(String path, Relation rel, int depth) {
    if (depth > MAX_DEPTH) {
      throw new PlanException(path, "plan nested deeper than " + MAX_DEPTH + " levels");
    }
    int d = depth + 1;
    switch (rel.getKindCase()) {
      case READ:
        return read(path + ".read", rel.getRead());
      case SQL:
        // The newline ends a trailing line comment in the raw text, which would swallow the rest.
        return "SELECT * FROM (" + rawSql(path + ".sql", rel.getSql().getQuery()) + "\n) AS "
            + nextAlias();
      case FILTER: {
        Filter f = rel.getFilter();
        requireInput(path + ".filter", f.hasInput());
        if (!f.hasCondition()) {
          throw new PlanException(path + ".filter", "missing condition");
        }
        return "SELECT * FROM " + from(path + ".filter.input", f.getInput(), d)
            + " WHERE " + expression(path + ".filter.condition", f.getCondition(), d);
      }
      case PROJECT: {
        Project p = rel.getProject();
        requireInput(path + ".project", p.hasInput());
        if (p.getExpressionsCount() == 0) {
          throw new PlanException(path + ".project", "no columns selected");
        }
        return "SELECT " + expressions(path + ".project.expressions", p.getExpressionsList(), d)
            + " FROM " + from(path + ".project.input", p.getInput(), d);
      }
      case WITH_COLUMNS:
        return withColumns(path + ".with_columns", rel.getWithColumns(), d);
      case AGGREGATE:
        return aggregate(path + ".aggregate", rel.getAggregate(), d);
      case JOIN:
        return "SELECT * FROM " + joinClause(path + ".join", rel.getJoin(), d);
      case SORT: {
        Sort s = rel.getSort();
        requireInput(path + ".sort", s.hasInput());
        if (s.getOrderCount() == 0) {
          throw new PlanException(path + ".sort", "no sort order given");
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < s.getOrderCount(); i++) {
          SortOrder o = s.getOrder(i);
          keys.add(expression(path + ".sort.order[" + i + "]", o.getExpression(), d)
              + (o.getDescending() ? " DESC" : " ASC")
              + (o.getNullsFirst() ? " NULLS FIRST" : " NULLS LAST"));
        }
        return "SELECT * FROM " + from(path + ".sort.input", s.getInput(), d)
            + " ORDER BY " + String.join(", ", keys);
      }
      case LIMIT: {
        Limit l = rel.getLimit();
        requireInput(path + ".limit", l.hasInput());
        if (l.getLimit() < 0 || l.getOffset() < 0) {
          throw new PlanException(path + ".limit", "limit and offset must be >= 0");
        }
        return "SELECT * FROM " + from(path + ".limit.input", l.getInput(), d)
            + " LIMIT " + l.getLimit() + (l.getOffset() > 0 ? " OFFSET " + l.getOffset() : "");
      }
      case UNION: {
        Union u = rel.getUnion();
        if (u.getInputsCount() < 2) {
          throw new PlanException(path + ".union", "needs at least 2 inputs, got " + u.getInputsCount());
        }
        String op = " UNION " + (u.getAll() ? "ALL " : "") + (u.getByName() ? "BY NAME " : "");
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < u.getInputsCount(); i++) {
          parts.add("SELECT * FROM " + from(path + ".union.inputs[" + i + "]", u.getInputs(i), d));
        }
        return String.join(op, parts);
      }
      case RANGE: {
        Range r = rel.getRange();
        long step = r.getStep() == 0 ? 1 : r.getStep();
        return "SELECT range AS \"id\" FROM range(" + r.getStart() + ", " + r.getEnd() + ", "
            + step + ")";
      }
      case ALIAS:
        requireInput(path + ".alias", rel.getAlias().hasInput());
        return "SELECT * FROM " + from(path, rel, d);
      case KIND_NOT_SET:
      default:
        throw new PlanException(path, "relation has no kind set");
    }
  }

  /**
   * A FROM item: a subquery with its own alias, so the consumer may qualify its columns. A join
   * is inlined rather than wrapped, so columns of its aliased sides stay addressable
   * ({@code a.x}) by the relation right above it.
   */
  private String from(String path, Relation rel, int depth) {
    if (rel.getKindCase() == Relation.KindCase.JOIN) {
      return joinClause(path + ".join", rel.getJoin(), depth + 1);
    }
    if (rel.getKindCase() == Relation.KindCase.ALIAS) {
      var a = rel.getAlias();
      requireInput(path + ".alias", a.hasInput());
      return "(" + relation(path + ".alias.input", a.getInput(), depth) + ") AS "
          + SqlText.identifier(path + ".alias.alias", a.getAlias());
    }
    return "(" + relation(path, rel, depth) + ") AS " + nextAlias();
  }

  private String nextAlias() {
    return "\"_t" + (aliasCounter++) + '"';
  }

  private static void requireInput(String path, boolean present) {
    if (!present) {
      throw new PlanException(path, "missing input relation");
    }
  }

  private static String rawSql(String path, String query) {
    String q = query.strip();
    while (q.endsWith(";")) {
      q = q.substring(0, q.length() - 1).strip();
    }
    if (q.isEmpty()) {
      throw new PlanException(path, "empty SQL query");
    }
    return q;
  }

  private String read(String path, Read read) {
    switch (read.getSourceCase()) {
      case TABLE:
        return "SELECT * FROM "
            + SqlText.qualifiedName(path + ".table", read.getTable().getNamePartsList(), 3);
      case DATA_SOURCE: {
        DataSource ds = read.getDataSource();
        ReaderOptions reader = READERS.get(ds.getFormat());
        if (reader == null) {
          throw new PlanException(path + ".data_source.format",
              "unsupported format " + ds.getFormat() + "; use PARQUET, CSV or JSON");
        }
        if (ds.getPathsCount() == 0) {
          throw new PlanException(path + ".data_source.paths", "no path given");
        }
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < ds.getPathsCount(); i++) {
          paths.add(SqlText.string(path + ".data_source.paths[" + i + "]", ds.getPaths(i)));
        }
        StringBuilder call = new StringBuilder("SELECT * FROM ").append(reader.function())
            .append("([").append(String.join(", ", paths)).append(']');
        for (var option : new java.util.TreeMap<>(ds.getOptionsMap()).entrySet()) {
          call.append(", ").append(reader.render(path + ".data_source.options[" + option.getKey() + "]",
              option.getKey(), option.getValue()));
        }
        return call.append(')').toString();
      }
      default:
        throw new PlanException(path, "read has no table or data_source");
    }
  }

  private String withColumns(String path, WithColumns wc, int depth) {
    requireInput(path, wc.hasInput());
    if (wc.getColumnsCount() == 0) {
      throw new PlanException(path, "no columns given");
    }
    String input = relation(path + ".input", wc.getInput(), depth);
    List<String> existing = columnLister.columnsOf(input);
    Map<String, String> added = new java.util.LinkedHashMap<>();
    for (int i = 0; i < wc.getColumnsCount(); i++) {
      Expression e = wc.getColumns(i);
      String p = path + ".columns[" + i + "]";
      if (e.getKindCase() != Expression.KindCase.ALIAS) {
        throw new PlanException(p, "must be an alias naming the column to add or replace");
      }
      String name = e.getAlias().getName();
      added.put(name.toLowerCase(Locale.ROOT), expression(p, e, depth));
    }
    List<String> select = new ArrayList<>();
    for (String column : existing) {
      String replacement = added.remove(column.toLowerCase(Locale.ROOT));
      select.add(replacement != null ? replacement : SqlText.identifier(path, column));
    }
    select.addAll(added.values());
    return "SELECT " + String.join(", ", select) + " FROM (" + input + ") AS " + nextAlias();
  }

  private String aggregate(String path, Aggregate agg, int depth) {
    requireInput(path, agg.hasInput());
    if (agg.getAggregatesCount() == 0 && agg.getGroupingCount() == 0) {
      throw new PlanException(path, "no grouping and no aggregate expressions");
    }
    List<String> select = new ArrayList<>();
    List<String> groupBy = new ArrayList<>();
    for (int i = 0; i < agg.getGroupingCount(); i++) {
      Expression g = agg.getGrouping(i);
      String p = path + ".grouping[" + i + "]";
      select.add(expression(p, g, depth));
      Expression unaliased = g.getKindCase() == Expression.KindCase.ALIAS
          ? g.getAlias().getExpression() : g;
      groupBy.add(expression(p, unaliased, depth));
    }
    select.addAll(expressionList(path + ".aggregates", agg.getAggregatesList(), depth));
    String sql = "SELECT " + String.join(", ", select) + " FROM "
        + from(path + ".input", agg.getInput(), depth);
    return groupBy.isEmpty() ? sql : sql + " GROUP BY " + String.join(", ", groupBy);
  }

  /** {@code left JOIN right ON ...}; a join on the left chains, one on the right is a subquery. */
  private String joinClause(String path, Join join, int depth) {
    if (!join.hasLeft() || !join.hasRight()) {
      throw new PlanException(path, "join needs both a left and a right relation");
    }
    String left = from(path + ".left", join.getLeft(), depth);
    String right = join.getRight().getKindCase() == Relation.KindCase.JOIN
        ? "(" + relation(path + ".right", join.getRight(), depth) + ") AS " + nextAlias()
        : from(path + ".right", join.getRight(), depth);
    Join.JoinType type = join.getType();
    String keyword;
    switch (type) {
      case JOIN_TYPE_UNSPECIFIED:
      case INNER:
        keyword = "INNER JOIN";
        break;
      case LEFT:
        keyword = "LEFT JOIN";
        break;
      case RIGHT:
        keyword = "RIGHT JOIN";
        break;
      case FULL:
        keyword = "FULL OUTER JOIN";
        break;
      case CROSS:
        return left + " CROSS JOIN " + right;
      case SEMI:
        keyword = "SEMI JOIN";
        break;
      case ANTI:
        keyword = "ANTI JOIN";
        break;
      default:
        throw new PlanException(path + ".type", "unknown join type " + type);
    }
    boolean hasCondition = join.hasCondition();
    boolean hasUsing = join.getUsingColumnsCount() > 0;
    if (hasCondition == hasUsing) {
      throw new PlanException(path, "give exactly one of condition or using_columns");
    }
    String on;
    if (hasCondition) {
      on = " ON " + expression(path + ".condition", join.getCondition(), depth);
    } else {
      List<String> cols = new ArrayList<>();
      for (int i = 0; i < join.getUsingColumnsCount(); i++) {
        cols.add(SqlText.identifier(path + ".using_columns[" + i + "]", join.getUsingColumns(i)));
      }
      on = " USING (" + String.join(", ", cols) + ")";
    }
    return left + " " + keyword + " " + right + on;
  }

  private String expressions(String path, List<Expression> list, int depth) {
    return String.join(", ", expressionList(path, list, depth));
  }

  private List<String> expressionList(String path, List<Expression> list, int depth) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(expression(path + "[" + i + "]", list.get(i), depth));
    }
    return out;
  }

  String expression(String path, Expression e, int depth) {
    if (depth > MAX_DEPTH) {
      throw new PlanException(path, "expression nested deeper than " + MAX_DEPTH + " levels");
    }
    int d = depth + 1;
    switch (e.getKindCase()) {
      case COLUMN:
        return SqlText.qualifiedName(path + ".column", e.getColumn().getNamePartsList(), 3);
      case LITERAL:
        return literal(path + ".literal", e.getLiteral());
      case CALL: {
        var call = e.getCall();
        String p = path + ".call(" + SqlText.abbreviate(call.getFunction()) + ")";
        List<String> args = new ArrayList<>();
        for (int i = 0; i < call.getArgumentsCount(); i++) {
          Expression arg = call.getArguments(i);
          if (arg.getKindCase() == Expression.KindCase.STAR
              && !call.getFunction().equalsIgnoreCase("count")) {
            throw new PlanException(p, "* is only allowed in count(*)");
          }
          args.add(expression(p + ".arguments[" + i + "]", arg, d));
        }
        return FunctionCatalog.render(p, call.getFunction(), args);
      }
      case ALIAS:
        if (!e.getAlias().hasExpression()) {
          throw new PlanException(path + ".alias", "alias without an expression");
        }
        return expression(path + ".alias.expression", e.getAlias().getExpression(), d) + " AS "
            + SqlText.identifier(path + ".alias.name", e.getAlias().getName());
      case CAST: {
        Cast c = e.getCast();
        return "CAST(" + expression(path + ".cast.expression", c.getExpression(), d) + " AS "
            + sqlType(path + ".cast.type", c.getType()) + ")";
      }
      case STAR:
        return "*";
      case KIND_NOT_SET:
      default:
        throw new PlanException(path, "expression has no kind set");
    }
  }

  private static String sqlType(String path, String type) {
    String t = type.strip();
    if (!TYPE.matcher(t).matches()) {
      throw new PlanException(path, "unknown type '" + type + "'");
    }
    return t.toUpperCase(Locale.ROOT);
  }

  static String literal(String path, Literal lit) {
    switch (lit.getValueCase()) {
      case NULL_OF_TYPE:
        return lit.getNullOfType().isEmpty() ? "NULL"
            : "CAST(NULL AS " + sqlType(path + ".null_of_type", lit.getNullOfType()) + ")";
      case BOOLEAN:
        return lit.getBoolean() ? "TRUE" : "FALSE";
      case INT32:
        return "CAST(" + lit.getInt32() + " AS INTEGER)";
      case INT64:
        return "CAST(" + lit.getInt64() + " AS BIGINT)";
      case FLOAT64: {
        double v = lit.getFloat64();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
          return "CAST('" + (Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf") + "' AS DOUBLE)";
        }
        if (v == 0.0 && Double.doubleToRawLongBits(v) != 0L) {
          return "CAST('-0.0' AS DOUBLE)"; // BigDecimal has no negative zero
        }
        return "CAST(" + BigDecimal.valueOf(v).toPlainString() + " AS DOUBLE)";
      }
      case STRING:
        return SqlText.string(path + ".string", lit.getString());
      case DATE:
        return "DATE '" + LocalDate.ofEpochDay(lit.getDate()) + "'";
      case TIMESTAMP_MICROS: {
        long micros = lit.getTimestampMicros();
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
            Math.floorMod(micros, 1_000_000L) * 1000L);
        return "TIMESTAMP '" + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
            .withZone(ZoneOffset.UTC).format(instant) + "'";
      }
      case DECIMAL: {
        String v = lit.getDecimal().strip();
        if (!DECIMAL.matcher(v).matches()) {
          throw new PlanException(path + ".decimal", "not a decimal number: '" + lit.getDecimal() + "'");
        }
        BigDecimal bd = new BigDecimal(v);
        int precision = Math.max(bd.precision(), bd.scale() + 1);
        if (precision > 38) {
          throw new PlanException(path + ".decimal", "more than 38 digits");
        }
        return "CAST('" + bd.toPlainString() + "' AS DECIMAL(" + precision + ", "
            + Math.max(bd.scale(), 0) + "))";
      }
      case VALUE_NOT_SET:
      default:
        throw new PlanException(path, "literal has no value set");
    }
  }
}

package dev.baton.driver.spark;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Spark functions this driver runs, each written as the DuckDB expression with Spark's
 * meaning. A function not listed is refused with Spark's {@code UNRESOLVED_ROUTINE} error rather
 * than passed through under a name that might mean something else in DuckDB.
 */
final class SparkFunctions {
  private SparkFunctions() {}

  /** Infix operators: Spark name -> SQL operator. */
  private static final Map<String, String> BINARY = Map.ofEntries(
      Map.entry("==", "="), Map.entry("!=", "<>"), Map.entry("<>", "<>"), Map.entry("<", "<"),
      Map.entry("<=", "<="), Map.entry(">", ">"), Map.entry(">=", ">="), Map.entry("+", "+"),
      Map.entry("-", "-"), Map.entry("*", "*"), Map.entry("/", "/"), Map.entry("%", "%"),
      Map.entry("and", "AND"), Map.entry("or", "OR"), Map.entry("<=>", "IS NOT DISTINCT FROM"),
      Map.entry("&", "&"), Map.entry("|", "|"), Map.entry("^", "xor"));

  /** Functions whose DuckDB counterpart takes the same arguments: Spark name -> DuckDB name. */
  private static final Map<String, String> SAME_ARGS = Map.ofEntries(
      Map.entry("abs", "abs"), Map.entry("sqrt", "sqrt"), Map.entry("exp", "exp"), Map.entry("ln", "ln"),
      Map.entry("log10", "log10"), Map.entry("log2", "log2"), Map.entry("floor", "floor"),
      Map.entry("ceil", "ceil"), Map.entry("ceiling", "ceil"), Map.entry("pow", "pow"),
      Map.entry("power", "pow"), Map.entry("sign", "sign"), Map.entry("signum", "sign"),
      Map.entry("greatest", "greatest"), Map.entry("least", "least"), Map.entry("coalesce", "coalesce"),
      Map.entry("nvl", "coalesce"), Map.entry("ifnull", "coalesce"), Map.entry("nullif", "nullif"),
      Map.entry("upper", "upper"), Map.entry("ucase", "upper"), Map.entry("lower", "lower"),
      Map.entry("lcase", "lower"), Map.entry("length", "length"), Map.entry("char_length", "length"),
      Map.entry("trim", "trim"), Map.entry("ltrim", "ltrim"), Map.entry("rtrim", "rtrim"),
      Map.entry("concat", "concat"), Map.entry("concat_ws", "concat_ws"), Map.entry("reverse", "reverse"),
      Map.entry("lpad", "lpad"), Map.entry("rpad", "rpad"), Map.entry("repeat", "repeat"),
      Map.entry("replace", "replace"), Map.entry("substring", "substring"), Map.entry("substr", "substring"),
      Map.entry("instr", "instr"), Map.entry("md5", "md5"), Map.entry("initcap", "initcap"),
      Map.entry("regexp_replace", "regexp_replace"), Map.entry("regexp_extract", "regexp_extract"),
      Map.entry("year", "year"), Map.entry("month", "month"), Map.entry("dayofmonth", "dayofmonth"),
      Map.entry("day", "day"), Map.entry("hour", "hour"), Map.entry("minute", "minute"),
      Map.entry("second", "second"), Map.entry("quarter", "quarter"), Map.entry("dayofyear", "dayofyear"),
      Map.entry("weekofyear", "weekofyear"), Map.entry("last_day", "last_day"),
      Map.entry("sin", "sin"), Map.entry("cos", "cos"), Map.entry("tan", "tan"), Map.entry("atan2", "atan2"),
      Map.entry("degrees", "degrees"), Map.entry("radians", "radians"), Map.entry("cbrt", "cbrt"),
      Map.entry("ascii", "ascii"), Map.entry("left", "left"), Map.entry("right", "right"),
      Map.entry("starts_with", "starts_with"), Map.entry("ends_with", "ends_with"),
      Map.entry("array_contains", "list_contains"), Map.entry("size", "len"),
      Map.entry("array_distinct", "list_distinct"), Map.entry("array", "list_value"),
      Map.entry("struct", "struct_pack"), Map.entry("isnan", "isnan"),
      // aggregates
      Map.entry("sum", "sum"), Map.entry("avg", "avg"), Map.entry("mean", "avg"), Map.entry("min", "min"),
      Map.entry("max", "max"), Map.entry("first", "first"), Map.entry("last", "last"),
      Map.entry("any_value", "any_value"), Map.entry("stddev", "stddev_samp"),
      Map.entry("stddev_samp", "stddev_samp"), Map.entry("stddev_pop", "stddev_pop"),
      Map.entry("variance", "var_samp"), Map.entry("var_samp", "var_samp"), Map.entry("var_pop", "var_pop"),
      Map.entry("collect_list", "list"), Map.entry("array_agg", "list"), Map.entry("median", "median"),
      Map.entry("corr", "corr"), Map.entry("covar_pop", "covar_pop"), Map.entry("covar_samp", "covar_samp"),
      Map.entry("bool_and", "bool_and"), Map.entry("bool_or", "bool_or"), Map.entry("every", "bool_and"),
      Map.entry("some", "bool_or"), Map.entry("max_by", "arg_max"), Map.entry("min_by", "arg_min"),
      Map.entry("approx_count_distinct", "approx_count_distinct"), Map.entry("count_if", "count_if"),
      Map.entry("skewness", "skewness"), Map.entry("kurtosis", "kurtosis"),
      // window
      Map.entry("row_number", "row_number"), Map.entry("rank", "rank"), Map.entry("dense_rank", "dense_rank"),
      Map.entry("percent_rank", "percent_rank"), Map.entry("cume_dist", "cume_dist"), Map.entry("ntile", "ntile"),
      Map.entry("lag", "lag"), Map.entry("lead", "lead"), Map.entry("nth_value", "nth_value"),
      Map.entry("first_value", "first_value"), Map.entry("last_value", "last_value"));

  /** Aggregate functions (an Aggregate's expressions must contain one, or be grouping keys). */
  static final Set<String> AGGREGATES = Set.of("count", "sum", "avg", "mean", "min", "max", "first", "last",
      "any_value", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "collect_list",
      "collect_set", "array_agg", "median", "corr", "covar_pop", "covar_samp", "bool_and", "bool_or", "every",
      "some", "max_by", "min_by", "approx_count_distinct", "count_if", "skewness", "kurtosis", "count_distinct",
      "sum_distinct");

  /** A call written as DuckDB SQL, or null when the function is not in the catalogue. */
  static String render(String sparkName, List<String> args, boolean distinct) {
    String name = sparkName.toLowerCase(Locale.ROOT);
    String op = BINARY.get(sparkName);
    if (op != null && args.size() == 2) {
      if (name.equals("^")) {
        return "xor(" + args.get(0) + ", " + args.get(1) + ")";
      }
      if (name.equals("/")) {
        // Spark's division is fractional and yields NULL for a zero divisor (without ANSI), an
        // error with ANSI (Spark 4's default): DuckDB's own '/' yields NULL, so ANSI is checked.
        return "(CAST(" + args.get(0) + " AS DOUBLE) / " + nonZero(args.get(1)) + ")";
      }
      return "(" + args.get(0) + " " + op + " " + args.get(1) + ")";
    }
    String d = distinct ? "DISTINCT " : "";
    switch (name) {
      case "not":
        return one(args, a -> "(NOT " + a + ")");
      case "negative":
        return one(args, a -> "(- " + a + ")");
      case "positive":
        return one(args, a -> "(+ " + a + ")");
      case "isnull":
        return one(args, a -> "(" + a + " IS NULL)");
      case "isnotnull":
        return one(args, a -> "(" + a + " IS NOT NULL)");
      case "in":
        if (args.size() < 2) {
          return "false";
        }
        return "(" + args.get(0) + " IN (" + String.join(", ", args.subList(1, args.size())) + "))";
      case "like":
        return two(args, (a, b) -> "(" + a + " LIKE " + b + ")");
      case "ilike":
        return two(args, (a, b) -> "(" + a + " ILIKE " + b + ")");
      case "rlike", "regexp", "regexp_like":
        return two(args, (a, b) -> "regexp_matches(" + a + ", " + b + ")");
      case "contains":
        return two(args, (a, b) -> "contains(" + a + ", " + b + ")");
      case "startswith":
        return two(args, (a, b) -> "starts_with(" + a + ", " + b + ")");
      case "endswith":
        return two(args, (a, b) -> "ends_with(" + a + ", " + b + ")");
      case "when":
        return caseWhen(args);
      case "if", "iff":
        return args.size() == 3 ? "CASE WHEN " + args.get(0) + " THEN " + args.get(1) + " ELSE " + args.get(2)
            + " END" : null;
      case "count":
        return "count(" + d + (args.isEmpty() ? "*" : String.join(", ", args)) + ")";
      case "count_distinct":
        return "count(DISTINCT " + String.join(", ", args) + ")";
      case "sum_distinct":
        return "sum(DISTINCT " + String.join(", ", args) + ")";
      case "collect_set":
        return "list(DISTINCT " + String.join(", ", args) + ")";
      case "round":
        return "round(" + args.get(0) + ", " + (args.size() > 1 ? args.get(1) : "0") + ")";
      case "log":
        return args.size() == 2 ? "(ln(" + args.get(1) + ") / ln(" + args.get(0) + "))"
            : one(args, a -> "ln(" + a + ")");
      case "split":
        return args.size() >= 2 ? "regexp_split_to_array(" + args.get(0) + ", " + args.get(1) + ")" : null;
      case "datediff", "date_diff":
        return two(args, (end, start) -> "date_diff('day', CAST(" + start + " AS DATE), CAST(" + end + " AS DATE))");
      case "date_add", "dateadd":
        return two(args, (a, n) -> "CAST(CAST(" + a + " AS DATE) + CAST(" + n + " AS INTEGER) AS DATE)");
      case "date_sub":
        return two(args, (a, n) -> "CAST(CAST(" + a + " AS DATE) - CAST(" + n + " AS INTEGER) AS DATE)");
      case "to_date":
        return args.size() == 1 ? "CAST(" + args.get(0) + " AS DATE)" : null;
      case "current_date":
        return "current_date";
      case "current_timestamp", "now":
        return "current_timestamp";
      case "rand", "random":
        return "random()";
      case "monotonically_increasing_id":
        return "(row_number() OVER () - 1)";
      case "lit":
        return one(args, a -> a);
      case "nanvl":
        return two(args, (a, b) -> "CASE WHEN isnan(" + a + ") THEN " + b + " ELSE " + a + " END");
      case "bround":
        return "round_even(" + args.get(0) + ", " + (args.size() > 1 ? args.get(1) : "0") + ")";
      default:
        break;
    }
    String duck = SAME_ARGS.get(name);
    if (duck == null) {
      return null;
    }
    return duck + "(" + d + String.join(", ", args) + ")";
  }

  /** {@code when(c1, v1, c2, v2, ..., else)} as CASE: Spark's own text for it too. */
  static String caseWhen(List<String> args) {
    StringBuilder sb = new StringBuilder("CASE");
    int i = 0;
    for (; i + 1 < args.size(); i += 2) {
      sb.append(" WHEN ").append(args.get(i)).append(" THEN ").append(args.get(i + 1));
    }
    if (i < args.size()) {
      sb.append(" ELSE ").append(args.get(i));
    }
    return sb.append(" END").toString();
  }

  private static String nonZero(String divisor) {
    return "CASE WHEN " + divisor + " = 0 THEN error('[DIVIDE_BY_ZERO] Division by zero.') ELSE " + divisor
        + " END";
  }

  private static String one(List<String> args, java.util.function.UnaryOperator<String> f) {
    return args.size() == 1 ? f.apply(args.get(0)) : null;
  }

  private static String two(List<String> args, java.util.function.BinaryOperator<String> f) {
    return args.size() == 2 ? f.apply(args.get(0), args.get(1)) : null;
  }
}

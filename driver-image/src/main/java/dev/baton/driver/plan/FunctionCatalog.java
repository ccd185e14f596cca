package dev.baton.driver.plan;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The functions and operators a plan may call. Function names are not identifiers a user may
 * quote: only names listed here reach SQL, each rendered by its own rule, so a plan cannot call
 * engine functions that read files, change settings or leave the session's sandbox.
 */
public final class FunctionCatalog {

  /** How one function renders its already-compiled arguments. */
  private interface Renderer {
    String render(List<String> args);
  }

  private record Entry(int minArgs, int maxArgs, Renderer renderer) {}

  private static final int MANY = Integer.MAX_VALUE;
  private static final Map<String, Entry> ENTRIES = new TreeMap<>();

  static {
    for (String op : List.of("+", "*", "/", "%", "=", "!=", "<>", "<", "<=", ">", ">=")) {
      infix(op, op);
    }
    ENTRIES.put("-", new Entry(1, 2, a -> a.size() == 1
        ? "(-" + a.get(0) + ")" : "(" + a.get(0) + " - " + a.get(1) + ")"));
    ENTRIES.put("and", new Entry(2, MANY, a -> "(" + String.join(" AND ", a) + ")"));
    ENTRIES.put("or", new Entry(2, MANY, a -> "(" + String.join(" OR ", a) + ")"));
    ENTRIES.put("not", new Entry(1, 1, a -> "(NOT " + a.get(0) + ")"));
    ENTRIES.put("is_null", new Entry(1, 1, a -> "(" + a.get(0) + " IS NULL)"));
    ENTRIES.put("is_not_null", new Entry(1, 1, a -> "(" + a.get(0) + " IS NOT NULL)"));
    infix("like", "LIKE");
    infix("ilike", "ILIKE");
    ENTRIES.put("in", new Entry(2, MANY, a ->
        "(" + a.get(0) + " IN (" + String.join(", ", a.subList(1, a.size())) + "))"));
    ENTRIES.put("between", new Entry(3, 3, a ->
        "(" + a.get(0) + " BETWEEN " + a.get(1) + " AND " + a.get(2) + ")"));
    ENTRIES.put("if", new Entry(3, 3, a ->
        "(CASE WHEN " + a.get(0) + " THEN " + a.get(1) + " ELSE " + a.get(2) + " END)"));
    ENTRIES.put("count_distinct", new Entry(1, MANY, a ->
        "count(DISTINCT " + String.join(", ", a) + ")"));

    // Aggregates.
    plain("count", 0, 1);
    for (String f : List.of("sum", "avg", "min", "max", "median", "stddev", "stddev_pop",
        "variance", "var_pop", "first", "last", "any_value", "bool_and", "bool_or", "product")) {
      plain(f, 1, 1);
    }
    plain("string_agg", 1, 2);
    plain("approx_count_distinct", 1, 1);
    plain("quantile_cont", 2, 2);
    plain("list", 1, 1);
    // Scalars.
    for (String f : List.of("abs", "ceil", "floor", "sqrt", "ln", "log10", "exp", "sign",
        "lower", "upper", "length", "trim", "ltrim", "rtrim", "reverse", "year", "month", "day",
        "hour", "minute", "second", "dayofweek", "isnan", "isinf", "hash", "md5", "len")) {
      plain(f, 1, 1);
    }
    plain("round", 1, 2);
    plain("power", 2, 2);
    plain("nullif", 2, 2);
    plain("date_trunc", 2, 2);
    plain("date_part", 2, 2);
    plain("strftime", 2, 2);
    plain("strptime", 2, 2);
    plain("substring", 2, 3);
    plain("replace", 3, 3);
    plain("starts_with", 2, 2);
    plain("contains", 2, 2);
    plain("split_part", 3, 3);
    plain("lpad", 3, 3);
    plain("rpad", 3, 3);
    plain("left", 2, 2);
    plain("right", 2, 2);
    plain("regexp_matches", 2, 2);
    plain("coalesce", 1, MANY);
    plain("concat", 1, MANY);
    plain("concat_ws", 2, MANY);
    plain("greatest", 1, MANY);
    plain("least", 1, MANY);
  }

  private static void infix(String name, String sqlOperator) {
    ENTRIES.put(name, new Entry(2, 2, a -> "(" + a.get(0) + " " + sqlOperator + " " + a.get(1) + ")"));
  }

  private static void plain(String name, int min, int max) {
    ENTRIES.put(name, new Entry(min, max, a -> name + "(" + String.join(", ", a) + ")"));
  }

  private FunctionCatalog() {}

  /** Renders a call, or throws a {@link PlanException} naming the unknown function or bad arity. */
  public static String render(String path, String function, List<String> args) {
    String name = function.toLowerCase(Locale.ROOT);
    Entry entry = ENTRIES.get(name);
    if (entry == null) {
      throw new PlanException(path, "unknown function '" + SqlText.abbreviate(function) + "'");
    }
    if (args.size() < entry.minArgs || args.size() > entry.maxArgs) {
      String expected = entry.minArgs == entry.maxArgs ? String.valueOf(entry.minArgs)
          : entry.maxArgs == MANY ? "at least " + entry.minArgs
          : entry.minArgs + " to " + entry.maxArgs;
      throw new PlanException(path, "function '" + function + "' takes " + expected
          + " argument(s), got " + args.size());
    }
    return entry.renderer.render(args);
  }
}

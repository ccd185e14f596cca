package dev.baton.driver.plan;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The options each file reader accepts, with their value types. Option names become named
 * arguments of DuckDB's reader functions, so only names listed here are allowed.
 */
enum ReaderOptions {
  PARQUET("read_parquet", Map.of(
      "hive_partitioning", Kind.BOOL, "union_by_name", Kind.BOOL, "filename", Kind.BOOL,
      "binary_as_string", Kind.BOOL)),
  CSV("read_csv", Map.ofEntries(
      Map.entry("header", Kind.BOOL), Map.entry("delim", Kind.STRING), Map.entry("sep", Kind.STRING),
      Map.entry("quote", Kind.STRING), Map.entry("escape", Kind.STRING),
      Map.entry("nullstr", Kind.STRING), Map.entry("skip", Kind.INT),
      Map.entry("auto_detect", Kind.BOOL), Map.entry("all_varchar", Kind.BOOL),
      Map.entry("dateformat", Kind.STRING), Map.entry("timestampformat", Kind.STRING),
      Map.entry("union_by_name", Kind.BOOL), Map.entry("filename", Kind.BOOL),
      Map.entry("sample_size", Kind.INT), Map.entry("ignore_errors", Kind.BOOL))),
  JSON("read_json", Map.of(
      "format", Kind.STRING, "records", Kind.STRING, "union_by_name", Kind.BOOL,
      "filename", Kind.BOOL, "sample_size", Kind.INT, "maximum_depth", Kind.INT,
      "dateformat", Kind.STRING, "timestampformat", Kind.STRING));

  private enum Kind { BOOL, INT, STRING }

  private static final Pattern INT = Pattern.compile("-?\\d{1,18}");

  private final String function;
  private final Map<String, Kind> options;

  ReaderOptions(String function, Map<String, Kind> options) {
    this.function = function;
    this.options = options;
  }

  String function() {
    return function;
  }

  /** {@code name := value}, the value checked against the option's type and escaped. */
  String render(String path, String name, String value) {
    Kind kind = options.get(name);
    if (kind == null) {
      throw new PlanException(path, "unknown " + name() + " option '" + name + "'; known: "
          + new java.util.TreeSet<>(options.keySet()));
    }
    String rendered;
    switch (kind) {
      case BOOL:
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new PlanException(path, "expected true or false, got '" + value + "'");
        }
        rendered = value.toLowerCase(java.util.Locale.ROOT);
        break;
      case INT:
        if (!INT.matcher(value).matches()) {
          throw new PlanException(path, "expected a whole number, got '" + value + "'");
        }
        rendered = value;
        break;
      default:
        rendered = SqlText.string(path, value);
    }
    return name + " := " + rendered;
  }
}

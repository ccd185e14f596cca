package dev.baton.driver.spark;

import java.util.ArrayList;
import java.util.List;

/** Spark's identifiers: multi-part names with backtick quoting, written as DuckDB identifiers. */
public final class SparkNames {
  private SparkNames() {}

  /** A DuckDB quoted identifier. */
  public static String quote(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * Splits Spark's unparsed identifier ({@code a.b}, {@code `a.b`.c}, {@code `x``y`}) into parts.
   */
  public static List<String> parts(String unparsed) {
    List<String> out = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < unparsed.length(); i++) {
      char c = unparsed.charAt(i);
      if (quoted) {
        if (c == '`') {
          if (i + 1 < unparsed.length() && unparsed.charAt(i + 1) == '`') {
            part.append('`');
            i++;
          } else {
            quoted = false;
          }
        } else {
          part.append(c);
        }
      } else if (c == '`') {
        quoted = true;
        wasQuoted = true;
      } else if (c == '.') {
        out.add(part.toString());
        part.setLength(0);
        wasQuoted = false;
      } else {
        part.append(c);
      }
    }
    if (quoted) {
      throw new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, SparkError.PARSE, "PARSE_SYNTAX_ERROR", "42601",
          "unclosed backtick in identifier " + unparsed, java.util.Map.of());
    }
    if (part.length() > 0 || wasQuoted || out.isEmpty()) {
      out.add(part.toString());
    }
    for (String p : out) {
      if (p.isEmpty()) {
        throw SparkError.invalidPlan("empty name part in identifier '" + unparsed + "'");
      }
    }
    return out;
  }

  /** An unparsed Spark identifier as a DuckDB (qualified) identifier. */
  public static String identifier(String unparsed) {
    List<String> parts = parts(unparsed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      sb.append(i == 0 ? "" : ".").append(quote(parts.get(i)));
    }
    return sb.toString();
  }
}

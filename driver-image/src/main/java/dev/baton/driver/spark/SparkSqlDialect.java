package dev.baton.driver.spark;

import java.util.List;
import java.util.Map;

/**
 * Spark SQL text as DuckDB reads it, where the two dialects write the same thing differently:
 * backticks quote identifiers in Spark ({@code `my col`}) and double quotes in DuckDB; Spark
 * reads {@code "text"} as a string literal. Parameters ({@code :name}, {@code ?}) are replaced
 * by their values written as SQL literals. Text inside literals and comments is left alone.
 */
public final class SparkSqlDialect {
  private SparkSqlDialect() {}

  public static String toDuckDb(String sql) {
    return toDuckDb(sql, Map.of(), List.of());
  }

  /** As {@link #toDuckDb(String)}, with named and positional parameters given as SQL text. */
  public static String toDuckDb(String sql, Map<String, String> named, List<String> positional) {
    StringBuilder out = new StringBuilder(sql.length() + 16);
    int n = sql.length();
    int nextPositional = 0;
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        int end = endOfQuoted(sql, i, c);
        String body = sql.substring(i + 1, end - 1);
        if (c == '"') {
          body = body.replace("\\\"", "\"").replace("\"\"", "\"");
        }
        out.append('\'').append(unescapeBackslashes(body).replace("'", "''")).append('\'');
        i = end;
      } else if (c == '`') {
        int end = endOfQuoted(sql, i, '`');
        out.append(SparkNames.quote(sql.substring(i + 1, end - 1).replace("``", "`")));
        i = end;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? n : end;
        out.append(sql, i, end);
        i = end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        out.append(sql, i, end);
        i = end;
      } else if (c == ':' && i + 1 < n && Character.isJavaIdentifierStart(sql.charAt(i + 1))
          && (i == 0 || sql.charAt(i - 1) != ':')) {
        int end = i + 1;
        while (end < n && Character.isJavaIdentifierPart(sql.charAt(end))) {
          end++;
        }
        String name = sql.substring(i + 1, end);
        if (named.containsKey(name)) {
          out.append('(').append(named.get(name)).append(')');
          SparkPlanLimits.checkLength(out.length());
        } else if (!named.isEmpty()) {
          throw SparkError.analysis("UNBOUND_SQL_PARAMETER", "42P02", "found the unbound parameter: " + name);
        } else {
          out.append(sql, i, end);
        }
        i = end;
      } else if (c == '?' && !positional.isEmpty()) {
        if (nextPositional >= positional.size()) {
          throw SparkError.analysis("UNBOUND_SQL_PARAMETER", "42P02", "found the unbound parameter: _"
              + (nextPositional + 1));
        }
        out.append('(').append(positional.get(nextPositional++)).append(')');
        SparkPlanLimits.checkLength(out.length());
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Index just past the closing quote; Spark allows a backslash to escape it. */
  private static int endOfQuoted(String sql, int start, char quote) {
    int i = start + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\\' && quote != '`' && i + 1 < sql.length()) {
        i += 2;
        continue;
      }
      if (c == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    throw new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, SparkError.PARSE, "PARSE_SYNTAX_ERROR", "42601",
        "unclosed " + quote + " in SQL text", Map.of());
  }

  /** Spark reads {@code \'}, {@code \\}, {@code \n} and {@code \t} inside string literals. */
  private static String unescapeBackslashes(String s) {
    if (s.indexOf('\\') < 0) {
      return s.replace("''", "'");
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        out.append(switch (e) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          case '0' -> '\0';
          default -> e;
        });
      } else if (c == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') {
        out.append('\'');
        i++;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}

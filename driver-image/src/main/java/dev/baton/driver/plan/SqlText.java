package dev.baton.driver.plan;

/**
 * Renders names and values as SQL text that cannot change a statement's structure: identifiers
 * are double-quoted with inner quotes doubled, strings single-quoted with inner quotes doubled.
 */
public final class SqlText {
  /** Longest identifier a plan may carry; DuckDB itself has no tighter limit that matters here. */
  public static final int MAX_IDENTIFIER_LENGTH = 128;

  private SqlText() {}

  /** The text, cut to 64 characters for an error message that quotes it. */
  public static String abbreviate(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "...(" + text.length() + " characters)";
  }

  public static String identifier(String path, String name) {
    if (name == null || name.isEmpty()) {
      throw new PlanException(path, "empty name");
    }
    if (name.length() > MAX_IDENTIFIER_LENGTH) {
      throw new PlanException(path, "name longer than " + MAX_IDENTIFIER_LENGTH + " characters");
    }
    if (name.indexOf('\0') >= 0) {
      throw new PlanException(path, "name contains a NUL character");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  public static String string(String path, String value) {
    if (value.indexOf('\0') >= 0) {
      throw new PlanException(path, "string contains a NUL character");
    }
    return '\'' + value.replace("'", "''") + '\'';
  }

  /** A dotted name, each part quoted: ["s", "t"] -> "s"."t". */
  public static String qualifiedName(String path, java.util.List<String> parts, int maxParts) {
    if (parts.isEmpty()) {
      throw new PlanException(path, "missing name");
    }
    if (parts.size() > maxParts) {
      throw new PlanException(path, "name has " + parts.size() + " parts; at most " + maxParts);
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        out.append('.');
      }
      out.append(identifier(path, parts.get(i)));
    }
    return out.toString();
  }
}

package dev.baton.driver.spark;

import java.util.HexFormat;

/** One value as Spark's {@code show()} prints it. */
final class SparkCells {
  private SparkCells() {}

  static String render(Object value, String duckType) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof Double || value instanceof Float || value instanceof Boolean) {
      return value.toString(); // Java's text, as Spark's (1.0E10, NaN, true)
    }
    if (value instanceof byte[] bytes) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < bytes.length; i++) {
        sb.append(i == 0 ? "" : " ").append(HexFormat.of().withUpperCase().toHexDigits(bytes[i]));
      }
      return sb.append(']').toString();
    }
    if (value instanceof java.sql.Blob blob) {
      try {
        return render(blob.getBytes(1, (int) blob.length()), duckType);
      } catch (java.sql.SQLException e) {
        return "[?]";
      }
    }
    return value.toString();
  }
}

package dev.baton.driver.spark;

import java.util.ArrayList;
import java.util.List;

/** Spark's {@code Dataset.show} text: the table layout, truncation, vertical mode and footer. */
final class ShowStringFormat {
  private static final int MIN_WIDTH = 3;

  private ShowStringFormat() {}

  /**
   * Formats the first {@code numRows} rows; {@code rows} holds up to one more, which only says
   * whether the footer mentions more rows.
   */
  static String format(SparkEngine.Rows result, int numRows, int truncate, boolean vertical) {
    boolean more = result.rows().size() > numRows;
    List<List<String>> rows = new ArrayList<>();
    rows.add(cells(result.columns(), truncate));
    for (List<String> row : result.rows().subList(0, Math.min(numRows, result.rows().size()))) {
      rows.add(cells(row, truncate));
    }
    StringBuilder sb = new StringBuilder();
    int cols = result.columns().size();
    if (!vertical) {
      int[] widths = new int[cols];
      java.util.Arrays.fill(widths, MIN_WIDTH);
      for (List<String> row : rows) {
        for (int i = 0; i < cols; i++) {
          widths[i] = Math.max(widths[i], width(row.get(i)));
        }
      }
      StringBuilder sep = new StringBuilder("+");
      for (int w : widths) {
        sep.append("-".repeat(w)).append('+');
      }
      sep.append('\n');
      sb.append(sep);
      for (int r = 0; r < rows.size(); r++) {
        sb.append('|');
        for (int i = 0; i < cols; i++) {
          String cell = rows.get(r).get(i);
          String pad = " ".repeat(widths[i] - width(cell));
          sb.append(truncate > 0 ? pad + cell : cell + pad).append('|');
        }
        sb.append('\n');
        if (r == 0) {
          sb.append(sep);
        }
      }
      sb.append(sep);
    } else {
      List<String> names = rows.get(0);
      int nameWidth = MIN_WIDTH;
      for (String n : names) {
        nameWidth = Math.max(nameWidth, width(n));
      }
      int dataWidth = MIN_WIDTH;
      for (List<String> row : rows.subList(1, rows.size())) {
        for (String cell : row) {
          dataWidth = Math.max(dataWidth, width(cell));
        }
      }
      for (int r = 1; r < rows.size(); r++) {
        String header = "-RECORD " + (r - 1);
        sb.append(header).append("-".repeat(Math.max(0, nameWidth + dataWidth + 5 - header.length()))).append('\n');
        List<String> row = rows.get(r);
        for (int i = 0; i < cols; i++) {
          String name = names.get(i);
          String cell = row.get(i);
          sb.append(' ').append(name).append(" ".repeat(nameWidth - width(name))).append(" | ").append(cell)
              .append(" ".repeat(dataWidth - width(cell))).append(" \n");
        }
      }
    }
    if (vertical && rows.size() == 1) {
      sb.append("(0 rows)\n");
    } else if (more) {
      // No line break after the footer: Spark 4.2's servers end the string there (print adds one).
      sb.append("only showing top ").append(numRows).append(numRows == 1 ? " row" : " rows");
    }
    return sb.toString();
  }

  private static List<String> cells(List<String> row, int truncate) {
    List<String> out = new ArrayList<>(row.size());
    for (String cell : row) {
      String s = escape(cell);
      if (truncate > 0 && s.length() > truncate) {
        s = truncate < 4 ? s.substring(0, truncate) : s.substring(0, truncate - 3) + "...";
      }
      out.add(s);
    }
    return out;
  }

  /** Control characters as Spark shows them, so one row stays one line. */
  private static String escape(String s) {
    return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t").replace("\f", "\\f")
        .replace("\b", "\\b").replace("\u000B", "\\v").replace("\u0007", "\\a");
  }

  /** Display width: characters of East Asian wide scripts take two columns, as in Spark. */
  static int width(String s) {
    int w = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      w += isWide(cp) ? 2 : 1;
      i += Character.charCount(cp);
    }
    return w;
  }

  private static boolean isWide(int cp) {
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
        || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
  }
}

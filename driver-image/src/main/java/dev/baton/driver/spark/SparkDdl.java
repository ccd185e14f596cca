package dev.baton.driver.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.connect.proto.DataType;

/**
 * Spark's DDL schema strings ({@code "a int, b string"}, {@code "struct<a:int>"}, {@code "double"})
 * as Spark types, for {@code createDataFrame(data, schema)}. Primitive types, decimals, arrays,
 * maps and structs.
 */
final class SparkDdl {
  private static final Pattern DECIMAL = Pattern.compile("(?:decimal|dec|numeric)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

  private SparkDdl() {}

  static DataType parse(String ddl) {
    String s = ddl.strip();
    List<String> parts = splitTopLevel(s);
    if (parts.size() == 1 && !hasTopLevelName(parts.get(0))) {
      return type(parts.get(0));
    }
    return fields(parts);
  }

  private static boolean hasTopLevelName(String part) {
    String p = part.strip();
    int depth = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '<' || c == '(') {
        depth++;
      } else if (c == '>' || c == ')') {
        depth--;
      } else if (depth == 0 && (c == ' ' || c == ':')) {
        String head = p.substring(0, i).toLowerCase(Locale.ROOT);
        return !head.equals("struct") && !head.equals("array") && !head.equals("map");
      }
    }
    return false;
  }

  private static DataType fields(List<String> parts) {
    DataType.Struct.Builder struct = DataType.Struct.newBuilder();
    for (String part : parts) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      String name;
      String rest;
      if (p.startsWith("`")) {
        int end = p.indexOf('`', 1);
        if (end < 0) {
          throw parseError(p);
        }
        name = p.substring(1, end);
        rest = p.substring(end + 1);
      } else {
        int cut = 0;
        while (cut < p.length() && p.charAt(cut) != ' ' && p.charAt(cut) != ':') {
          cut++;
        }
        name = p.substring(0, cut);
        rest = p.substring(cut);
      }
      rest = rest.strip();
      if (rest.startsWith(":")) {
        rest = rest.substring(1).strip();
      }
      boolean nullable = true;
      if (rest.toUpperCase(Locale.ROOT).endsWith(" NOT NULL")) {
        nullable = false;
        rest = rest.substring(0, rest.length() - " NOT NULL".length()).strip();
      }
      if (name.isEmpty() || rest.isEmpty()) {
        throw parseError(p);
      }
      struct.addFields(DataType.StructField.newBuilder().setName(name).setDataType(type(rest)).setNullable(nullable));
    }
    return DataType.newBuilder().setStruct(struct).build();
  }

  static DataType type(String text) {
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    DataType.Builder b = DataType.newBuilder();
    if (lower.startsWith("array<") && lower.endsWith(">")) {
      return b.setArray(DataType.Array.newBuilder().setElementType(type(t.substring(6, t.length() - 1)))
          .setContainsNull(true)).build();
    }
    if (lower.startsWith("map<") && lower.endsWith(">")) {
      List<String> kv = splitTopLevel(t.substring(4, t.length() - 1));
      if (kv.size() != 2) {
        throw parseError(t);
      }
      return b.setMap(DataType.Map.newBuilder().setKeyType(type(kv.get(0))).setValueType(type(kv.get(1)))
          .setValueContainsNull(true)).build();
    }
    if (lower.startsWith("struct<") && lower.endsWith(">")) {
      return fields(splitTopLevel(t.substring(7, t.length() - 1)));
    }
    Matcher dec = DECIMAL.matcher(lower);
    if (dec.matches()) {
      return b.setDecimal(DataType.Decimal.newBuilder().setPrecision(Integer.parseInt(dec.group(1)))
          .setScale(dec.group(2) == null ? 0 : Integer.parseInt(dec.group(2)))).build();
    }
    switch (lower) {
      case "boolean", "bool" -> b.setBoolean(DataType.Boolean.getDefaultInstance());
      case "byte", "tinyint" -> b.setByte(DataType.Byte.getDefaultInstance());
      case "short", "smallint" -> b.setShort(DataType.Short.getDefaultInstance());
      case "int", "integer" -> b.setInteger(DataType.Integer.getDefaultInstance());
      case "long", "bigint" -> b.setLong(DataType.Long.getDefaultInstance());
      case "float", "real" -> b.setFloat(DataType.Float.getDefaultInstance());
      case "double" -> b.setDouble(DataType.Double.getDefaultInstance());
      case "string" -> b.setString(DataType.String.getDefaultInstance());
      case "binary" -> b.setBinary(DataType.Binary.getDefaultInstance());
      case "date" -> b.setDate(DataType.Date.getDefaultInstance());
      case "timestamp", "timestamp_ltz" -> b.setTimestamp(DataType.Timestamp.getDefaultInstance());
      case "timestamp_ntz" -> b.setTimestampNtz(DataType.TimestampNTZ.getDefaultInstance());
      case "decimal" -> b.setDecimal(DataType.Decimal.newBuilder().setPrecision(10).setScale(0));
      case "void", "null" -> b.setNull(DataType.NULL.getDefaultInstance());
      default -> throw parseError(t);
    }
    return b.build();
  }

  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '<' || c == '(') {
        depth++;
      } else if (c == '>' || c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static SparkError parseError(String text) {
    return new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, SparkError.PARSE, "PARSE_SYNTAX_ERROR", "42601",
        "cannot parse the data type or schema '" + text + "'", java.util.Map.of());
  }
}

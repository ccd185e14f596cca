package dev.baton.driver.spark;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.connect.proto.DataType;

/**
 * Spark's types as this driver uses them: read from the Arrow schema of a result (what
 * AnalyzePlan reports and {@code printSchema} prints), and written as DuckDB types for casts.
 */
public final class SparkTypes {
  private static final Pattern DECIMAL = Pattern.compile("(?:decimal|dec|numeric)\\s*\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\)");

  private SparkTypes() {}

  /** A result's schema as a Spark struct. */
  public static DataType struct(Schema schema) {
    DataType.Struct.Builder out = DataType.Struct.newBuilder();
    for (Field f : schema.getFields()) {
      out.addFields(DataType.StructField.newBuilder().setName(f.getName()).setDataType(of(f))
          .setNullable(f.isNullable()));
    }
    return DataType.newBuilder().setStruct(out).build();
  }

  /** The Spark type of one Arrow field. */
  public static DataType of(Field field) {
    ArrowType t = field.getType();
    DataType.Builder b = DataType.newBuilder();
    switch (t.getTypeID()) {
      case Null -> b.setNull(DataType.NULL.getDefaultInstance());
      case Bool -> b.setBoolean(DataType.Boolean.getDefaultInstance());
      case Int -> {
        int bits = ((ArrowType.Int) t).getBitWidth();
        switch (bits) {
          case 8 -> b.setByte(DataType.Byte.getDefaultInstance());
          case 16 -> b.setShort(DataType.Short.getDefaultInstance());
          case 32 -> b.setInteger(DataType.Integer.getDefaultInstance());
          default -> b.setLong(DataType.Long.getDefaultInstance());
        }
      }
      case FloatingPoint -> {
        if (((ArrowType.FloatingPoint) t).getPrecision() == FloatingPointPrecision.DOUBLE) {
          b.setDouble(DataType.Double.getDefaultInstance());
        } else {
          b.setFloat(DataType.Float.getDefaultInstance());
        }
      }
      case Utf8, LargeUtf8, Utf8View -> b.setString(DataType.String.getDefaultInstance());
      case Binary, LargeBinary, BinaryView, FixedSizeBinary -> b.setBinary(DataType.Binary.getDefaultInstance());
      case Decimal -> {
        ArrowType.Decimal d = (ArrowType.Decimal) t;
        b.setDecimal(DataType.Decimal.newBuilder().setPrecision(d.getPrecision()).setScale(d.getScale()));
      }
      case Date -> b.setDate(DataType.Date.getDefaultInstance());
      case Timestamp -> {
        if (((ArrowType.Timestamp) t).getTimezone() != null) {
          b.setTimestamp(DataType.Timestamp.getDefaultInstance());
        } else {
          b.setTimestampNtz(DataType.TimestampNTZ.getDefaultInstance());
        }
      }
      case List, LargeList, FixedSizeList, ListView -> {
        Field child = field.getChildren().get(0);
        b.setArray(DataType.Array.newBuilder().setElementType(of(child)).setContainsNull(child.isNullable()));
      }
      case Struct -> {
        DataType.Struct.Builder s = DataType.Struct.newBuilder();
        for (Field f : field.getChildren()) {
          s.addFields(DataType.StructField.newBuilder().setName(f.getName()).setDataType(of(f))
              .setNullable(f.isNullable()));
        }
        b.setStruct(s);
      }
      case Map -> {
        List<Field> kv = field.getChildren().get(0).getChildren();
        b.setMap(DataType.Map.newBuilder().setKeyType(of(kv.get(0))).setValueType(of(kv.get(1)))
            .setValueContainsNull(kv.get(1).isNullable()));
      }
      default -> b.setUnparsed(DataType.Unparsed.newBuilder().setDataTypeString(t.toString()));
    }
    return b.build();
  }

  /** Spark's short name of a type, as {@code printSchema} shows it. */
  public static String simpleString(DataType t) {
    return switch (t.getKindCase()) {
      case NULL -> "void";
      case BOOLEAN -> "boolean";
      case BYTE -> "byte";
      case SHORT -> "short";
      case INTEGER -> "integer";
      case LONG -> "long";
      case FLOAT -> "float";
      case DOUBLE -> "double";
      case STRING -> "string";
      case BINARY -> "binary";
      case DECIMAL -> "decimal(" + t.getDecimal().getPrecision() + "," + t.getDecimal().getScale() + ")";
      case DATE -> "date";
      case TIMESTAMP -> "timestamp";
      case TIMESTAMP_NTZ -> "timestamp_ntz";
      case ARRAY -> "array";
      case STRUCT -> "struct";
      case MAP -> "map";
      case UNPARSED -> t.getUnparsed().getDataTypeString();
      default -> t.getKindCase().name().toLowerCase(Locale.ROOT);
    };
  }

  /** Spark's {@code StructType.treeString}: what {@code printSchema} prints. */
  public static String treeString(DataType struct, int maxLevel) {
    StringBuilder sb = new StringBuilder("root\n");
    fields(sb, struct.getStruct().getFieldsList(), " |", 1, maxLevel);
    return sb.toString();
  }

  private static void fields(StringBuilder sb, List<DataType.StructField> fields, String prefix, int level,
      int maxLevel) {
    if (maxLevel > 0 && level > maxLevel) {
      return;
    }
    for (DataType.StructField f : fields) {
      sb.append(prefix).append("-- ").append(f.getName()).append(": ").append(simpleString(f.getDataType()))
          .append(" (nullable = ").append(f.getNullable()).append(")\n");
      nested(sb, f.getDataType(), prefix + "    |", level + 1, maxLevel);
    }
  }

  private static void nested(StringBuilder sb, DataType t, String prefix, int level, int maxLevel) {
    if (maxLevel > 0 && level > maxLevel) {
      return;
    }
    switch (t.getKindCase()) {
      case STRUCT -> fields(sb, t.getStruct().getFieldsList(), prefix, level, maxLevel);
      case ARRAY -> {
        sb.append(prefix).append("-- element: ").append(simpleString(t.getArray().getElementType()))
            .append(" (containsNull = ").append(t.getArray().getContainsNull()).append(")\n");
        nested(sb, t.getArray().getElementType(), prefix + "    |", level + 1, maxLevel);
      }
      case MAP -> {
        sb.append(prefix).append("-- key: ").append(simpleString(t.getMap().getKeyType())).append("\n");
        nested(sb, t.getMap().getKeyType(), prefix + "    |", level + 1, maxLevel);
        sb.append(prefix).append("-- value: ").append(simpleString(t.getMap().getValueType()))
            .append(" (valueContainsNull = ").append(t.getMap().getValueContainsNull()).append(")\n");
        nested(sb, t.getMap().getValueType(), prefix + "    |", level + 1, maxLevel);
      }
      default -> { }
    }
  }

  /** A Spark type as the DuckDB type a cast produces. */
  public static String duckdb(DataType t) {
    return switch (t.getKindCase()) {
      case BOOLEAN -> "BOOLEAN";
      case BYTE -> "TINYINT";
      case SHORT -> "SMALLINT";
      case INTEGER -> "INTEGER";
      case LONG -> "BIGINT";
      case FLOAT -> "FLOAT";
      case DOUBLE -> "DOUBLE";
      case STRING, CHAR, VAR_CHAR -> "VARCHAR";
      case BINARY -> "BLOB";
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMPTZ";
      case TIMESTAMP_NTZ -> "TIMESTAMP";
      case DECIMAL -> "DECIMAL(" + (t.getDecimal().hasPrecision() ? t.getDecimal().getPrecision() : 10) + ","
          + (t.getDecimal().hasScale() ? t.getDecimal().getScale() : 0) + ")";
      case ARRAY -> duckdb(t.getArray().getElementType()) + "[]";
      case MAP -> "MAP(" + duckdb(t.getMap().getKeyType()) + ", " + duckdb(t.getMap().getValueType()) + ")";
      case STRUCT -> {
        StringBuilder sb = new StringBuilder("STRUCT(");
        List<DataType.StructField> fs = t.getStruct().getFieldsList();
        for (int i = 0; i < fs.size(); i++) {
          sb.append(i == 0 ? "" : ", ").append(SparkNames.quote(fs.get(i).getName())).append(' ')
              .append(duckdb(fs.get(i).getDataType()));
        }
        yield sb.append(")").toString();
      }
      case UNPARSED -> duckdb(t.getUnparsed().getDataTypeString());
      case NULL -> "INTEGER";
      default -> throw SparkError.unsupported("the " + t.getKindCase().name().toLowerCase(Locale.ROOT) + " type");
    };
  }

  /** A Spark type name as written in DDL or {@code cast("...")}, as a DuckDB type. */
  public static String duckdb(String sparkType) {
    String s = sparkType.strip().toLowerCase(Locale.ROOT);
    Matcher dec = DECIMAL.matcher(s);
    if (dec.matches()) {
      return "DECIMAL(" + dec.group(1) + "," + (dec.group(2) == null ? "0" : dec.group(2)) + ")";
    }
    return switch (s) {
      case "boolean", "bool" -> "BOOLEAN";
      case "byte", "tinyint" -> "TINYINT";
      case "short", "smallint" -> "SMALLINT";
      case "int", "integer" -> "INTEGER";
      case "long", "bigint" -> "BIGINT";
      case "float", "real" -> "FLOAT";
      case "double" -> "DOUBLE";
      case "string", "varchar", "char", "text" -> "VARCHAR";
      case "binary" -> "BLOB";
      case "date" -> "DATE";
      case "timestamp", "timestamp_ltz" -> "TIMESTAMPTZ";
      case "timestamp_ntz" -> "TIMESTAMP";
      case "decimal", "dec", "numeric" -> "DECIMAL(10,0)";
      default -> {
        if (s.startsWith("varchar(") || s.startsWith("char(")) {
          yield "VARCHAR";
        }
        throw SparkError.unsupported("the type '" + sparkType + "'");
      }
    };
  }
}

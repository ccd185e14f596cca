package dev.baton.client;

import dev.baton.proto.v1.ColumnRef;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.Literal;
import dev.baton.proto.v1.Star;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/** Column constructors and functions: {@code import static dev.baton.client.Functions.*}. */
public final class Functions {
  private Functions() {}

  /** A column by name; "t.x" is column x of the relation aliased t. */
  public static Column col(String name) {
    return new Column(Expression.newBuilder()
        .setColumn(ColumnRef.newBuilder().addAllNameParts(Arrays.asList(name.split("\\.", -1))))
        .build());
  }

  /** A column whose name contains dots, given part by part. */
  public static Column colParts(String... parts) {
    return new Column(Expression.newBuilder()
        .setColumn(ColumnRef.newBuilder().addAllNameParts(Arrays.asList(parts))).build());
  }

  /**
   * A constant: null, Boolean, Integer, Long, Double, Float, String, BigDecimal, LocalDate or
   * Instant. Sent typed, and rendered by the driver as an escaped literal.
   */
  public static Column lit(Object value) {
    Literal.Builder l = Literal.newBuilder();
    if (value == null) {
      l.setNullOfType("");
    } else if (value instanceof Boolean b) {
      l.setBoolean(b);
    } else if (value instanceof Integer i) {
      l.setInt32(i);
    } else if (value instanceof Long n) {
      l.setInt64(n);
    } else if (value instanceof Double d) {
      l.setFloat64(d);
    } else if (value instanceof Float f) {
      l.setFloat64(f);
    } else if (value instanceof String s) {
      l.setString(s);
    } else if (value instanceof BigDecimal d) {
      l.setDecimal(d.toPlainString());
    } else if (value instanceof LocalDate d) {
      l.setDate((int) d.toEpochDay());
    } else if (value instanceof Instant t) {
      l.setTimestampMicros(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L),
          t.getNano() / 1000));
    } else {
      throw new IllegalArgumentException("no literal for " + value.getClass().getName());
    }
    return new Column(Expression.newBuilder().setLiteral(l).build());
  }

  static Column toColumn(Object value) {
    return value instanceof Column c ? c : lit(value);
  }

  /** {@code *}, for count(*) or selecting all columns. */
  public static Column star() {
    return new Column(Expression.newBuilder().setStar(Star.getDefaultInstance()).build());
  }

  /** Any function in the driver's catalogue (docs/protocol.md), by name. */
  public static Column call(String function, Object... args) {
    return Column.call(function, args);
  }

  public static Column count(Column c) {
    return call("count", c);
  }

  /** count(*). */
  public static Column count() {
    return call("count", star());
  }

  public static Column countDistinct(Column c) {
    return call("count_distinct", c);
  }

  public static Column sum(Column c) {
    return call("sum", c);
  }

  public static Column avg(Column c) {
    return call("avg", c);
  }

  public static Column min(Column c) {
    return call("min", c);
  }

  public static Column max(Column c) {
    return call("max", c);
  }

  public static Column lower(Column c) {
    return call("lower", c);
  }

  public static Column upper(Column c) {
    return call("upper", c);
  }

  public static Column length(Column c) {
    return call("length", c);
  }

  public static Column abs(Column c) {
    return call("abs", c);
  }

  public static Column coalesce(Column... cs) {
    return call("coalesce", (Object[]) cs);
  }

  public static Column concat(Object... parts) {
    return call("concat", parts);
  }

  /** if(condition, then, otherwise) as a CASE expression. */
  public static Column when(Column condition, Object then, Object otherwise) {
    return call("if", condition, then, otherwise);
  }
}

package dev.baton.client;

import dev.baton.proto.v1.Alias;
import dev.baton.proto.v1.Call;
import dev.baton.proto.v1.Cast;
import dev.baton.proto.v1.Expression;
import dev.baton.proto.v1.SortOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A column expression of the DataFrame API: built with {@link Functions#col}, {@link
 * Functions#lit} and the methods here, and compiled by the driver to quoted, escaped SQL.
 */
public final class Column {
  private final Expression expression;
  private final SortOrder order;

  Column(Expression expression) {
    this(expression, null);
  }

  private Column(Expression expression, SortOrder order) {
    this.expression = expression;
    this.order = order;
  }

  /** The protobuf expression this column stands for. */
  public Expression expression() {
    return expression;
  }

  SortOrder sortOrder() {
    return order != null ? order : SortOrder.newBuilder().setExpression(expression).build();
  }

  static Column call(String function, Object... args) {
    Call.Builder call = Call.newBuilder().setFunction(function);
    for (Object a : args) {
      call.addArguments(Functions.toColumn(a).expression);
    }
    return new Column(Expression.newBuilder().setCall(call).build());
  }

  private Column op(String function, Object other) {
    return call(function, this, other);
  }

  public Column plus(Object other) {
    return op("+", other);
  }

  public Column minus(Object other) {
    return op("-", other);
  }

  public Column times(Object other) {
    return op("*", other);
  }

  public Column divide(Object other) {
    return op("/", other);
  }

  public Column mod(Object other) {
    return op("%", other);
  }

  public Column eq(Object other) {
    return op("=", other);
  }

  public Column ne(Object other) {
    return op("!=", other);
  }

  public Column lt(Object other) {
    return op("<", other);
  }

  public Column leq(Object other) {
    return op("<=", other);
  }

  public Column gt(Object other) {
    return op(">", other);
  }

  public Column geq(Object other) {
    return op(">=", other);
  }

  public Column and(Column other) {
    return op("and", other);
  }

  public Column or(Column other) {
    return op("or", other);
  }

  public Column not() {
    return call("not", this);
  }

  public Column isNull() {
    return call("is_null", this);
  }

  public Column isNotNull() {
    return call("is_not_null", this);
  }

  public Column like(String pattern) {
    return op("like", pattern);
  }

  public Column isin(Object... values) {
    List<Object> args = new ArrayList<>();
    args.add(this);
    args.addAll(Arrays.asList(values));
    return call("in", args.toArray());
  }

  public Column between(Object low, Object high) {
    return call("between", this, low, high);
  }

  /** This column, named. */
  public Column as(String name) {
    return new Column(Expression.newBuilder()
        .setAlias(Alias.newBuilder().setExpression(expression).setName(name)).build());
  }

  /** A conversion to a SQL type, e.g. {@code cast("DOUBLE")} or {@code cast("DECIMAL(10,2)")}. */
  public Column cast(String sqlType) {
    return new Column(Expression.newBuilder()
        .setCast(Cast.newBuilder().setExpression(expression).setType(sqlType)).build());
  }

  /** Ascending sort key, nulls last. */
  public Column asc() {
    return new Column(expression, SortOrder.newBuilder().setExpression(expression).build());
  }

  /** Descending sort key, nulls last. */
  public Column desc() {
    return new Column(expression,
        SortOrder.newBuilder().setExpression(expression).setDescending(true).build());
  }

  @Override
  public String toString() {
    return expression.toString();
  }
}

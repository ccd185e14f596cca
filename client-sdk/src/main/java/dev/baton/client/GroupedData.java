package dev.baton.client;

import dev.baton.proto.v1.Expression;
import java.util.List;

/** A DataFrame grouped by keys, waiting for its aggregates: {@code df.groupBy("k").agg(sum(col("v")))}. */
public final class GroupedData {
  private final DataFrame input;
  private final List<Expression> keys;

  GroupedData(DataFrame input, List<Expression> keys) {
    this.input = input;
    this.keys = keys;
  }

  public DataFrame agg(Column... aggregates) {
    return input.aggregate(keys, aggregates);
  }

  public DataFrame count() {
    return agg(Functions.count().as("count"));
  }
}

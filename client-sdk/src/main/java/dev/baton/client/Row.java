package dev.baton.client;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** One result row: values by position or by column name, as Java objects. */
public final class Row {
  private final List<String> names;
  private final Map<String, Integer> positions;
  private final Object[] values;

  Row(List<String> names, Map<String, Integer> positions, Object[] values) {
    this.names = names;
    this.positions = positions;
    this.values = values;
  }

  public int size() {
    return values.length;
  }

  public List<String> columns() {
    return names;
  }

  public Object get(int i) {
    return values[i];
  }

  public Object get(String column) {
    Integer i = positions.get(column);
    if (i == null) {
      throw new IllegalArgumentException("no column '" + column + "' in " + names);
    }
    return values[i];
  }

  public long getLong(String column) {
    return ((Number) get(column)).longValue();
  }

  public long getLong(int i) {
    return ((Number) get(i)).longValue();
  }

  public double getDouble(String column) {
    return ((Number) get(column)).doubleValue();
  }

  public String getString(String column) {
    Object v = get(column);
    return v == null ? null : v.toString();
  }

  public String getString(int i) {
    Object v = get(i);
    return v == null ? null : v.toString();
  }

  public boolean isNull(String column) {
    return get(column) == null;
  }

  @Override
  public String toString() {
    return Arrays.toString(values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Row r && names.equals(r.names) && Arrays.equals(values, r.values);
  }

  @Override
  public int hashCode() {
    return 31 * names.hashCode() + Arrays.hashCode(values);
  }
}

package dev.baton.client;

import dev.baton.proto.v1.DataSource;
import dev.baton.proto.v1.Read;
import dev.baton.proto.v1.Relation;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads files the driver can see (inside its data directories):
 * {@code session.read().option("header", "true").csv("/data/x.csv")}.
 */
public final class DataFrameReader {
  private final Session session;
  private final Map<String, String> options = new TreeMap<>();

  DataFrameReader(Session session) {
    this.session = session;
  }

  /** A reader option, e.g. header, delim, union_by_name (docs/protocol.md lists them). */
  public DataFrameReader option(String name, String value) {
    options.put(name, value);
    return this;
  }

  public DataFrame parquet(String... paths) {
    return read(DataSource.Format.PARQUET, paths);
  }

  public DataFrame csv(String... paths) {
    return read(DataSource.Format.CSV, paths);
  }

  public DataFrame json(String... paths) {
    return read(DataSource.Format.JSON, paths);
  }

  private DataFrame read(DataSource.Format format, String... paths) {
    return new DataFrame(session, Relation.newBuilder().setRead(Read.newBuilder()
        .setDataSource(DataSource.newBuilder().setFormat(format).addAllPaths(List.of(paths))
            .putAllOptions(options))).build());
  }
}

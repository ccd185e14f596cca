package dev.baton.api.model;

/** Which server a pool's drivers run. */
public enum DriverKind {
  /** Baton's reference driver on embedded DuckDB (the image is a baton-driver image). */
  Reference,
  /** An Apache Spark Connect server with Baton's Spark plugin (the image is a Spark image). */
  SparkConnect
}

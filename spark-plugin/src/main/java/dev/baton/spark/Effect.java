package dev.baton.spark;

/**
 * What a request that succeeded did to its session's state, as far as a move is concerned.
 *
 * @param kind how the state changed
 * @param name the temp view's name for the view kinds, else empty
 * @param summary one line for logs, events and the snapshot (e.g. "SET spark.sql.ansi.enabled")
 */
public record Effect(Kind kind, String name, String summary) {

  /** How a request changed its session. */
  public enum Kind {
    /** Nothing a move needs to rebuild (a query, a read of config, a catalog write). */
    NONE,
    /** State that running the request again rebuilds (config, USE, a session variable, a function). */
    REPLAY,
    /** A temp view created (replayed; its name is remembered so a later drop is replayed too). */
    CREATE_TEMP_VIEW,
    /** A drop of a view; replayed only when it dropped one of the session's temp views. */
    DROP_TEMP_VIEW,
    /** State replay cannot rebuild (a cached DataFrame, a global temp view, a streaming query). */
    NOT_MOVABLE
  }

  public static final Effect NONE = new Effect(Kind.NONE, "", "");

  public static Effect replay(String summary) {
    return new Effect(Kind.REPLAY, "", summary);
  }

  public static Effect createTempView(String name, String summary) {
    return new Effect(Kind.CREATE_TEMP_VIEW, name, summary);
  }

  public static Effect dropTempView(String name, String summary) {
    return new Effect(Kind.DROP_TEMP_VIEW, name, summary);
  }

  public static Effect notMovable(String summary) {
    return new Effect(Kind.NOT_MOVABLE, "", summary);
  }

  /** Whether the request must be recorded (or reported) once it succeeds. */
  public boolean changesState() {
    return kind != Kind.NONE;
  }
}

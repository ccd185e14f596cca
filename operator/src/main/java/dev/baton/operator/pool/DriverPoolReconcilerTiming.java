package dev.baton.operator.pool;

/** How often controllers look again without an event (tests wait in multiples of it). */
public final class DriverPoolReconcilerTiming {
  public static final long RESYNC_MILLIS = 5_000;

  private DriverPoolReconcilerTiming() {}
}

package dev.baton.driver.plan;

/** A plan that cannot be compiled: the message names the offending node and why. */
public final class PlanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlanException(String path, String problem) {
    super(shortened(path) + ": " + problem);
  }

  /** A deep node's path is long: keep its start and its end, so the problem stays readable. */
  private static String shortened(String path) {
    return path.length() <= 240 ? path : path.substring(0, 120) + "..." + path.substring(path.length() - 100);
  }
}

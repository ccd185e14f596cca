package dev.baton.driver.plan;

/** A plan that cannot be compiled: the message names the offending node and why. */
public final class PlanException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlanException(String path, String problem) {
    super(path + ": " + problem);
  }
}

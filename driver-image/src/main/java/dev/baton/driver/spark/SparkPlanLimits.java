package dev.baton.driver.spark;

/**
 * Bounds on what one Spark Connect plan may compile to, checked as it is compiled: a plan of a few
 * kilobytes must not make the driver build gigabytes of SQL (an expression may appear more than
 * once in its translation, so nesting could grow it exponentially) or recurse without end.
 */
final class SparkPlanLimits {
  /** Relations or expressions nested deeper than this are refused (as the baton.v1 compiler does). */
  static final int MAX_DEPTH = 200;
  /** SQL text one plan, or any part of it, may compile to. */
  static final int MAX_SQL_CHARS = 4 << 20;

  private SparkPlanLimits() {}

  static void checkDepth(int depth, String what) {
    if (depth > MAX_DEPTH) {
      throw SparkError.invalidPlan(what + " nested deeper than " + MAX_DEPTH + " levels");
    }
  }

  static String checkLength(String sql) {
    checkLength(sql.length());
    return sql;
  }

  static void checkLength(int chars) {
    if (chars > MAX_SQL_CHARS) {
      throw SparkError.invalidPlan("the plan compiles to more than " + MAX_SQL_CHARS + " characters of SQL");
    }
  }
}

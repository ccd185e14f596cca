package dev.baton.driver.spark;

import java.util.Map;

/**
 * A failure a Spark Connect client understands: Spark's error class (e.g.
 * {@code UNRESOLVED_COLUMN.WITH_SUGGESTION}), the exception class the client maps to its own
 * ({@code org.apache.spark.sql.AnalysisException} becomes PySpark's {@code AnalysisException}), the
 * SQL state, and a message. {@link SparkErrors} turns it into a status with those details.
 */
public final class SparkError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exception classes Spark Connect clients map to their own exception types. */
  public static final String ANALYSIS = "org.apache.spark.sql.AnalysisException";
  public static final String PARSE = "org.apache.spark.sql.catalyst.parser.ParseException";
  public static final String ARITHMETIC = "java.lang.ArithmeticException";
  public static final String NUMBER_FORMAT = "java.lang.NumberFormatException";
  public static final String RUNTIME = "org.apache.spark.SparkRuntimeException";
  public static final String SPARK = "org.apache.spark.SparkException";
  public static final String UNSUPPORTED = "java.lang.UnsupportedOperationException";
  public static final String ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException";
  public static final String NO_SUCH_ELEMENT = "org.apache.spark.SparkNoSuchElementException";

  private final String errorClass;
  private final String exceptionClass;
  private final String sqlState;
  private final io.grpc.Status.Code code;
  private final Map<String, String> parameters;

  public SparkError(io.grpc.Status.Code code, String exceptionClass, String errorClass, String sqlState,
      String message, Map<String, String> parameters) {
    super(message);
    this.code = code;
    this.exceptionClass = exceptionClass;
    this.errorClass = errorClass;
    this.sqlState = sqlState;
    this.parameters = Map.copyOf(parameters);
  }

  /** A plan this driver does not run: the client sees which part, and nothing ran. */
  public static SparkError unsupported(String what) {
    return new SparkError(io.grpc.Status.Code.UNIMPLEMENTED, UNSUPPORTED, "UNSUPPORTED_CONNECT_FEATURE",
        "0A000", what + " is not supported by the Baton reference driver (see docs/spark-connect.md)",
        Map.of("feature", what));
  }

  /** A plan that is not well formed (a missing input, an empty name). */
  public static SparkError invalidPlan(String what) {
    return new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, ANALYSIS, "CONNECT_INVALID_PLAN.INVALID_INPUT",
        "42000", "invalid plan: " + what, Map.of());
  }

  /** A name that resolves to nothing. */
  public static SparkError analysis(String errorClass, String sqlState, String message) {
    return new SparkError(io.grpc.Status.Code.INVALID_ARGUMENT, ANALYSIS, errorClass, sqlState, message,
        Map.of());
  }

  public String errorClass() {
    return errorClass;
  }

  public String exceptionClass() {
    return exceptionClass;
  }

  public String sqlState() {
    return sqlState;
  }

  public io.grpc.Status.Code code() {
    return code;
  }

  public Map<String, String> parameters() {
    return parameters;
  }
}

package dev.baton.spark;

/**
 * What the plugin reads of the Spark server it runs in. Reached by name: these classes are
 * Scala objects of the server, not part of any API the plugin compiles against.
 */
final class SparkServer {
  private SparkServer() {}

  /** The version of Spark running here, e.g. "4.3.0". */
  static String version() {
    try {
      Object pkg = Class.forName("org.apache.spark.package$").getField("MODULE$").get(null);
      return String.valueOf(pkg.getClass().getMethod("SPARK_VERSION").invoke(pkg));
    } catch (ReflectiveOperationException | LinkageError e) {
      return "unknown";
    }
  }

  /** The port the Spark Connect server listens on (bound once it started). */
  static int connectPort() {
    try {
      Object service = Class.forName("org.apache.spark.sql.connect.service.SparkConnectService$")
          .getField("MODULE$").get(null);
      return (Integer) service.getClass().getMethod("localPort").invoke(service);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("the Spark Connect server's port is not known yet", e);
    }
  }
}

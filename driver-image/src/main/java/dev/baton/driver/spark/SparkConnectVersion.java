package dev.baton.driver.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The Spark Connect protocol version this driver was built against (from the build). */
public final class SparkConnectVersion {
  public static final String VERSION = load();

  private SparkConnectVersion() {}

  private static String load() {
    Properties p = new Properties();
    try (InputStream in = SparkConnectVersion.class.getResourceAsStream("/baton-spark-connect.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to the default
    }
    return p.getProperty("version", "4.2.0");
  }
}

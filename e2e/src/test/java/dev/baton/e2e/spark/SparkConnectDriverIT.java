package dev.baton.e2e.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.python.PySpark;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real PySpark client (pyspark-client, installed by python/env.sh) against one reference
 * driver process, with no gateway: what a Spark Connect user sees at sc://driver:15002.
 */
class SparkConnectDriverIT {
  private static Process driver;
  private static Path log;
  private static String url;

  @BeforeAll
  static void startDriver() throws Exception {
    PySpark.python(); // made before the driver starts: the first time takes a while
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path scratch = Files.createTempDirectory("spark-driver");
    log = scratch.resolve("driver.log");
    driver = new ProcessBuilder(List.of("java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-jar",
        System.getProperty("baton.driver.jar"), "--host=127.0.0.1", "--port=" + port,
        "--scratch-dir=" + scratch.resolve("scratch"))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        break;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline || !driver.isAlive()) {
          throw new IllegalStateException("driver did not start:\n" + Files.readString(log));
        }
        Thread.sleep(100);
      }
    }
    url = "sc://localhost:" + port;
  }

  @AfterAll
  static void stopDriver() throws Exception {
    if (driver != null) {
      driver.destroy();
      driver.waitFor();
    }
  }

  @Test
  void pysparkDataFrameAndSqlOperationsGiveDuckDbsAnswers() throws Exception {
    PySpark.Result r = PySpark.run("dataframe_operations.py", Duration.ofMinutes(5), Map.of(), url);
    assertThat(r.exitCode()).as(r.summary()).isZero();
    Matcher passed = Pattern.compile("PASSED (\\d+) checks").matcher(r.output());
    assertThat(passed.find()).as(r.summary()).isTrue();
    assertThat(Integer.parseInt(passed.group(1))).isGreaterThanOrEqualTo(30);
  }

  @Test
  void unsupportedPlansAreRefusedWithSparkErrorsAndTheDriverKeepsServing() throws Exception {
    PySpark.Result r = PySpark.run("unsupported_plans.py", Duration.ofMinutes(3), Map.of(), url);
    assertThat(r.exitCode()).as(r.summary()).isZero();
    assertThat(r.output()).contains("PASSED 10 refusals");
    assertThat(driver.isAlive()).as("driver still running").isTrue();
  }
}

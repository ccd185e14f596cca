package dev.baton.e2e.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Apache Spark installations for tests, one per version, from PyPI's pyspark package (which
 * carries Spark's jars and bin/spark-submit), made once by {@code python/spark-env.sh} and cached
 * under ~/.cache/baton/spark.
 */
public final class SparkHomes {
  private static final Map<String, Path> HOMES = new ConcurrentHashMap<>();

  private SparkHomes() {}

  /** SPARK_HOME of {@code version} (e.g. "4.3.0"), installed on first use (a minute or two, once). */
  public static Path of(String version) {
    return HOMES.computeIfAbsent(version, SparkHomes::install);
  }

  private static Path install(String version) {
    Path script = PySpark.projectRoot().resolve("python/spark-env.sh");
    try {
      Process p = new ProcessBuilder("bash", script.toString(), version)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("python/spark-env.sh " + version + " failed: it needs python3 with venv and "
            + "access to PyPI");
      }
      return Path.of(out);
    } catch (IOException e) {
      throw new IllegalStateException("python/spark-env.sh " + version + " could not run", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted installing Spark " + version, e);
    }
  }
}

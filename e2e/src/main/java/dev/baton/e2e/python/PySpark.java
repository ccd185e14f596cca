package dev.baton.e2e.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's PySpark scripts ({@code python/spark_connect/}) with the real PySpark client,
 * in the Python environment {@code python/env.sh} makes (once per requirements file).
 */
public final class PySpark {
  private static Path python;

  private PySpark() {}

  /** What a script printed (stdout and stderr together) and how it ended. */
  public record Result(int exitCode, String output) {
    /** The script's lines that are not Python warnings, for messages. */
    public String summary() {
      StringBuilder sb = new StringBuilder();
      for (String line : output.lines().toList()) {
        if (!line.contains("Warning") && !line.contains("require_minimum_pandas_version")) {
          sb.append(line).append('\n');
        }
      }
      return sb.toString();
    }
  }

  /** The project's root: the directory holding python/env.sh, from the module's directory or above. */
  public static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve("python/env.sh"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("python/env.sh not found above " + Path.of("").toAbsolutePath());
  }

  /** The environment's python, made on first use (a minute the first time, on a fresh machine). */
  public static synchronized Path python() throws IOException, InterruptedException {
    if (python == null) {
      Path script = projectRoot().resolve("python/env.sh");
      Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("python/env.sh failed (exit " + p.exitValue() + "): it needs python3 "
            + "with venv and access to PyPI");
      }
      python = Path.of(out);
    }
    return python;
  }

  /** Runs {@code python/spark_connect/<script>} with arguments and extra environment. */
  public static Result run(String script, Duration timeout, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return start(script, env, args).finish(timeout);
  }

  /** Starts a script; read its lines as they come with {@link Running#awaitLine}. */
  public static Running start(String script, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(python().toString());
    command.add(projectRoot().resolve("python/spark_connect").resolve(script).toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PYTHONUNBUFFERED", "1");
    pb.environment().putAll(env);
    return new Running(pb.start());
  }

  /** A script that is running. */
  public static final class Running {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread reader;

    Running(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            output.append(line).append('\n');
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process was killed
        }
      }, "pyspark-output");
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits for a line that starts with {@code prefix}; fails with the output so far if none comes. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("no line starting '" + prefix + "' within " + timeout + " (exit "
              + (process.isAlive() ? "none yet" : process.exitValue()) + "):\n" + output);
        }
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    }

    /** Waits for the script to end (killing it past {@code timeout}). */
    public Result finish(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        reader.join(5000);
        return new Result(-1, output + "\n(timed out after " + timeout + ")");
      }
      reader.join(5000);
      return new Result(process.exitValue(), output.toString());
    }
  }
}

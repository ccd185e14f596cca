package dev.baton.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl, for the pictures the demo prints: what a user would type, and its output. */
final class Kubectl {
  private final String binary;
  private final Path kubeconfig;

  Kubectl(String binary, Path kubeconfig) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
  }

  /** kubectl's output (stdout and stderr), or why it could not run. */
  String run(String... args) {
    List<String> cmd = new ArrayList<>(List.of(binary, "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    try {
      // Output to a file, so a kubectl that hangs is cut off at the timeout, not read forever.
      Path output = java.nio.file.Files.createTempFile("kubectl", ".out");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return "(kubectl did not answer in 60 s)";
        }
        return java.nio.file.Files.readString(output, StandardCharsets.UTF_8).stripTrailing();
      } finally {
        java.nio.file.Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      return "(kubectl could not run: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}

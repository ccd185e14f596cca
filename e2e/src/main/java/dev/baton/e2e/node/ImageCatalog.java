package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the local node "pulls" an image: each known image name maps to a local command. The tag
 * is passed to the command (the driver image's tag becomes the driver's version), so two tags
 * of one image give two versions of the program.
 */
public final class ImageCatalog {

  /** What to run for one container. */
  public record Launch(List<String> command, Map<String, String> env) {}

  /** Builds the launch of an image from its tag and the container spec. */
  @FunctionalInterface
  public interface Recipe {
    Launch launch(ImageRef image, Container container);
  }

  /** An image reference split into its name (last path segment) and tag. */
  public record ImageRef(String reference, String name, String tag) {
    public static ImageRef parse(String reference) {
      String ref = reference;
      int at = ref.indexOf('@');
      if (at >= 0) {
        ref = ref.substring(0, at);
      }
      int slash = ref.lastIndexOf('/');
      int colon = ref.lastIndexOf(':');
      String tag = colon > slash ? ref.substring(colon + 1) : "latest";
      String path = colon > slash ? ref.substring(0, colon) : ref;
      return new ImageRef(reference, path.substring(path.lastIndexOf('/') + 1), tag);
    }
  }

  private final Map<String, Recipe> recipes = new HashMap<>();

  /** Registers what an image name runs. */
  public ImageCatalog with(String imageName, Recipe recipe) {
    recipes.put(imageName, recipe);
    return this;
  }

  /**
   * A Java program packaged as a jar: {@code java -jar <jar> <args>}, with the tag in
   * {@code versionEnv} (when not null).
   */
  public static Recipe javaJar(Path jar, String versionEnv, List<String> jvmOptions) {
    return (image, container) -> {
      if (!Files.exists(jar)) {
        throw new IllegalStateException("jar for image " + image.reference() + " not built: " + jar);
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvmOptions);
      cmd.add("-jar");
      cmd.add(jar.toString());
      cmd.addAll(container.getArgs() == null ? List.of() : container.getArgs());
      Map<String, String> env = new HashMap<>();
      if (versionEnv != null) {
        env.put(versionEnv, image.tag());
      }
      return new Launch(cmd, env);
    };
  }

  /** The project's images: the driver, gateway and operator (jars from the build) and a shell image for tests. */
  public static ImageCatalog standard() {
    ImageCatalog catalog = new ImageCatalog();
    String driverJar = System.getProperty("baton.driver.jar");
    if (driverJar != null) {
      catalog.with("baton-driver", javaJar(Path.of(driverJar), "BATON_DRIVER_VERSION",
          List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1")));
    }
    String gatewayJar = System.getProperty("baton.gateway.jar");
    if (gatewayJar != null) {
      catalog.with("baton-gateway", javaJar(Path.of(gatewayJar), null,
          List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")));
    }
    String operatorJar = System.getProperty("baton.operator.jar");
    if (operatorJar != null) {
      catalog.with("baton-operator", javaJar(Path.of(operatorJar), null,
          List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")));
    }
    String sparkPlugin = System.getProperty("baton.spark.plugin.jar");
    if (sparkPlugin != null) {
      catalog.with("spark", spark(Path.of(sparkPlugin)));
    }
    // A container whose command is run as written, like a busybox image.
    catalog.with("busybox", (image, c) -> {
      List<String> cmd = new ArrayList<>(c.getCommand() == null ? List.of() : c.getCommand());
      cmd.addAll(c.getArgs() == null ? List.of() : c.getArgs());
      if (cmd.isEmpty()) {
        throw new IllegalStateException("busybox container " + c.getName() + " has no command");
      }
      return new Launch(cmd, Map.of());
    });
    return catalog;
  }

  /**
   * An Apache Spark image ({@code spark:<version>}): the container's {@code /opt/spark/...} command
   * runs from that version's Spark installed from PyPI ({@link SparkHomes}), the plugin jar the
   * init container would copy in is the one the build made, and the pod's {@code /scratch} is a
   * directory of its own (the local node has no volumes).
   */
  public static Recipe spark(Path pluginJar) {
    return (image, c) -> {
      Path home = dev.baton.e2e.python.SparkHomes.of(image.tag());
      Path scratch;
      try {
        scratch = Files.createTempDirectory("baton-spark-pod");
      } catch (java.io.IOException e) {
        throw new IllegalStateException("no scratch directory for " + c.getName(), e);
      }
      List<String> cmd = new ArrayList<>();
      for (String part : c.getCommand() == null ? List.<String>of() : c.getCommand()) {
        cmd.add(part.startsWith("/opt/spark/") ? home.resolve(part.substring("/opt/spark/".length())).toString() : part);
      }
      for (String arg : c.getArgs() == null ? List.<String>of() : c.getArgs()) {
        cmd.add(arg.replace("/baton-plugin/baton-spark-plugin.jar", pluginJar.toString())
            .replace("/scratch/", scratch + "/"));
      }
      if (cmd.isEmpty()) {
        throw new IllegalStateException("spark container " + c.getName() + " has no command");
      }
      // Python UDFs run in the Python that installed this Spark (a Spark image ships its own).
      Path python = home.getParent().getParent().getParent().getParent().resolve("bin/python");
      return new Launch(cmd, Map.of("SPARK_HOME", home.toString(), "JAVA_HOME", System.getProperty("java.home"),
          "HOME", scratch.toString(), "SPARK_SUBMIT_OPTS", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
          "PYSPARK_PYTHON", python.toString()));
    };
  }

  /** The launch for a container, or an exception saying the image is unknown here. */
  public Launch resolve(Container container) {
    ImageRef ref = ImageRef.parse(container.getImage());
    Recipe recipe = recipes.get(ref.name());
    if (recipe == null) {
      throw new UnknownImageException("image " + container.getImage() + " is not known to the local node; "
          + "known: " + recipes.keySet());
    }
    return recipe.launch(ref, container);
  }

  /** An image the local node cannot run. */
  public static final class UnknownImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownImageException(String message) {
      super(message);
    }
  }
}

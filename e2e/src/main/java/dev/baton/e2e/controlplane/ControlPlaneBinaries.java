package dev.baton.e2e.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the control-plane binaries are: {@code $BATON_KUBE_CACHE/k8s/<version>-linux-amd64/},
 * as built by {@code e2e/bin/build-control-plane.sh} (the README's test command runs it).
 */
public record ControlPlaneBinaries(Path directory, String version) {
  public static final List<String> NAMES = List.of("etcd", "kube-apiserver", "kube-controller-manager", "kubectl");

  public static ControlPlaneBinaries locate() {
    String version = System.getProperty("baton.k8s.version",
        System.getenv().getOrDefault("BATON_K8S_VERSION", "1.34.4"));
    String cache = System.getenv("BATON_KUBE_CACHE");
    Path root = cache != null && !cache.isBlank() ? Path.of(cache)
        : Path.of(System.getProperty("user.home"), ".cache", "baton", "kube");
    Path dir = root.resolve("k8s").resolve(version + "-linux-amd64");
    for (String name : NAMES) {
      if (!Files.isExecutable(dir.resolve(name))) {
        throw new IllegalStateException("control-plane binary " + dir.resolve(name) + " is missing: "
            + "run e2e/bin/build-control-plane.sh (./test does this) to build Kubernetes " + version
            + " from its Go modules");
      }
    }
    return new ControlPlaneBinaries(dir, version);
  }

  public Path path(String name) {
    return directory.resolve(name);
  }
}

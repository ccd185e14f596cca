package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Must show 5: after the harness stops, no process it started is left: control-plane components,
 * container processes, nor anything an earlier test class of this suite started (named Zz to run
 * last; the suite runs in alphabetical order).
 */
class ZzNoProcessLeftBehindIT {

  @Test
  void stoppingTheHarnessLeavesNoProcess() throws Exception {
    Path dir = Path.of("target", "kube", getClass().getSimpleName()).toAbsolutePath();
    List<ProcessHandle> started = new ArrayList<>();
    List<String> namespaces = new ArrayList<>();
    try (ControlPlane cp = ControlPlane.start(dir, true)) {
      try (KubernetesClient client = cp.adminClient();
          KubernetesClient nodeClient = cp.adminClient();
          LocalNode node = new LocalNode(nodeClient, "leak-check-node", ImageCatalog.standard(),
              dir.resolve("pods")).start()) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("leaks").endMetadata()
            .build()).create();
        client.pods().inNamespace("leaks").resource(Pods.driver("leaks", "d", "1.0.0", 5)).create();
        Pods.await(client, "leaks", "d", Pods::ready, Duration.ofMinutes(2));
        started.addAll(node.liveProcesses());
        namespaces.addAll(node.networkNamespaces());
        assertThat(namespaces).hasSize(1);
        cp.pids().forEach(pid -> started.add(ProcessHandle.of(pid).orElseThrow()));
        assertThat(started).hasSize(4); // etcd, apiserver, controller manager, one driver
      }
    }
    for (ProcessHandle p : started) {
      assertThat(p.isAlive()).as("process %d (%s)", p.pid(), p.info().command().orElse("?")).isFalse();
    }
    Process list = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String netns = new String(list.getInputStream().readAllBytes());
    list.waitFor();
    assertThat(netns).as("pod network namespaces removed").doesNotContain(namespaces.get(0));
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList())
        .as("processes still running under the test JVM").isEmpty();
  }
}

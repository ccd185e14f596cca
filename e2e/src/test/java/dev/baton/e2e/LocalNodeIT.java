package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Must show 1 and 2: driver pods run as processes on the local node, and their lifecycle is real. */
class LocalNodeIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withLocalNode().build();

  private static StatusResponse driverStatus(String ip) throws InterruptedException {
    ManagedChannel ch = NettyChannelBuilder.forAddress(ip, 15002).usePlaintext().build();
    try {
      return DriverControlGrpc.newBlockingStub(ch).status(StatusRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void driverPodGoesReadyAndServesASessionAtItsPodIp() throws Exception {
    String ns = cluster.namespace("node-serve");
    cluster.client().pods().inNamespace(ns).resource(Pods.driver(ns, "driver-a", "1.2.3", 10)).create();
    Pod pod = Pods.await(cluster.client(), ns, "driver-a", Pods::ready, Duration.ofMinutes(2));

    assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.node().name());
    assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
    String ip = pod.getStatus().getPodIP();
    assertThat(ip).as("a pod address of its own network namespace").startsWith("10.").isNotEqualTo("10.0.0.1");
    assertThat(Pods.container(pod).getReady()).isTrue();
    assertThat(Pods.container(pod).getState().getRunning()).isNotNull();

    StatusResponse status = driverStatus(ip);
    assertThat(status.getVersion()).as("image tag becomes the driver version").isEqualTo("1.2.3");
    assertThat(status.getRevision()).as("downward API and $(VAR) expansion").isEqualTo("rev-driver-a");
    try (Session s = Baton.builder().target(ip + ":15002").principal("tester").connect()) {
      assertThat(s.range(0, 1000).count()).isEqualTo(1000);
    }

    // A second tag is a second driver version, on its own address.
    cluster.client().pods().inNamespace(ns).resource(Pods.driver(ns, "driver-b", "1.3.0", 10)).create();
    Pod b = Pods.await(cluster.client(), ns, "driver-b", Pods::ready, Duration.ofMinutes(2));
    assertThat(b.getStatus().getPodIP()).isNotEqualTo(ip);
    assertThat(driverStatus(b.getStatus().getPodIP()).getVersion()).isEqualTo("1.3.0");
  }

  @Test
  void deletingAPodStopsItsProcessGracefully() throws Exception {
    String ns = cluster.namespace("node-delete");
    cluster.client().pods().inNamespace(ns).resource(Pods.driver(ns, "doomed", "1.0.0", 20)).create();
    Pods.await(cluster.client(), ns, "doomed", Pods::ready, Duration.ofMinutes(2));
    ProcessHandle process = cluster.node().containerProcess(ns, "doomed", "driver").orElseThrow();

    cluster.client().pods().inNamespace(ns).withName("doomed").delete();
    cluster.client().pods().inNamespace(ns).withName("doomed").waitUntilCondition(p -> p == null, 60, TimeUnit.SECONDS);
    assertThat(process.isAlive()).isFalse();
    // The driver went through its SIGTERM path (a SIGKILL would leave no such lines).
    Path log = cluster.node().logDir().resolve(ns + "_doomed_driver.log");
    assertThat(Files.readString(log)).contains("termination signal received").contains("driver stopped");
  }

  @Test
  void aKilledProcessShowsInStatusAndIsRestarted() throws Exception {
    String ns = cluster.namespace("node-crash");
    cluster.client().pods().inNamespace(ns).resource(Pods.driver(ns, "crashy", "1.0.0", 5)).create();
    Pods.await(cluster.client(), ns, "crashy", Pods::ready, Duration.ofMinutes(2));
    ProcessHandle first = cluster.node().containerProcess(ns, "crashy", "driver").orElseThrow();
    first.destroyForcibly();

    Pod restarted = Pods.await(cluster.client(), ns, "crashy",
        p -> Pods.container(p).getRestartCount() == 1 && Pods.ready(p), Duration.ofMinutes(2));
    var last = Pods.container(restarted).getLastState().getTerminated();
    assertThat(last).isNotNull();
    assertThat(last.getExitCode()).isEqualTo(137);
    assertThat(last.getReason()).isEqualTo("Error");
    assertThat(cluster.node().containerProcess(ns, "crashy", "driver").orElseThrow().pid()).isNotEqualTo(first.pid());
  }

  @Test
  void restartPolicyNeverLeavesTheExitCodeInStatus() {
    String ns = cluster.namespace("node-never");
    Pod pod = new PodBuilder().withNewMetadata().withName("once").withNamespace(ns).endMetadata()
        .withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("main").withImage("busybox").withCommand("sh", "-c", "exit 3").endContainer()
        .endSpec().build();
    cluster.client().pods().inNamespace(ns).resource(pod).create();
    Pod done = Pods.await(cluster.client(), ns, "once", p -> p.getStatus() != null
        && "Failed".equals(p.getStatus().getPhase()), Duration.ofMinutes(1));
    assertThat(Pods.container(done).getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(Pods.container(done).getRestartCount()).isZero();

    Pod unknown = new PodBuilder().withNewMetadata().withName("unknown-image").withNamespace(ns).endMetadata()
        .withNewSpec().addNewContainer().withName("main").withImage("nginx:1.27").endContainer().endSpec().build();
    cluster.client().pods().inNamespace(ns).resource(unknown).create();
    Pod waiting = Pods.await(cluster.client(), ns, "unknown-image", p -> p.getStatus() != null
        && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty(),
        Duration.ofMinutes(1));
    assertThat(Pods.container(waiting).getState().getWaiting().getReason()).isEqualTo("ErrImagePull");
    assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
  }

  @Test
  void kubectlLogsReadsAContainersOutputThroughTheApiServer() throws Exception {
    String ns = cluster.namespace("node-logs");
    Pod pod = new PodBuilder().withNewMetadata().withName("talker").withNamespace(ns).endMetadata()
        .withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("main").withImage("busybox")
        .withCommand("sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done").endContainer()
        .endSpec().build();
    cluster.client().pods().inNamespace(ns).resource(pod).create();
    Pods.await(cluster.client(), ns, "talker", p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase()),
        Duration.ofMinutes(1));

    var all = cluster.controlPlane().kubectl("logs", "-n", ns, "talker");
    var tail = cluster.controlPlane().kubectl("logs", "-n", ns, "talker", "-c", "main", "--tail=2");
    var missing = cluster.controlPlane().kubectl("logs", "-n", ns, "talker", "-c", "sidecar");

    assertThat(all.exitCode()).as(all.output()).isZero();
    assertThat(all.output().strip()).isEqualTo("line-1\nline-2\nline-3\nline-4\nline-5");
    assertThat(tail.output().strip()).isEqualTo("line-4\nline-5");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.output()).contains("sidecar");
  }
}

package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one probe of a container once, the way the kubelet does: gRPC health, TCP, HTTP or exec. */
final class ProbeRunner {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ProbeRunner() {}

  static boolean run(Probe probe, Container container, PodNetwork.Attachment net, Map<String, String> env) {
    String ip = net.podAddress();
    int timeout = probe.getTimeoutSeconds() == null ? 1 : Math.max(1, probe.getTimeoutSeconds());
    try {
      if (probe.getGrpc() != null) {
        return grpc(ip, probe.getGrpc().getPort(), probe.getGrpc().getService(), timeout);
      }
      if (probe.getTcpSocket() != null) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(ip, port(probe.getTcpSocket().getPort(), container)), timeout * 1000);
          return true;
        }
      }
      if (probe.getHttpGet() != null) {
        var get = probe.getHttpGet();
        String path = get.getPath() == null ? "/" : get.getPath();
        HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":"
            + port(get.getPort(), container) + path)).timeout(Duration.ofSeconds(timeout)).build(),
            HttpResponse.BodyHandlers.discarding());
        return r.statusCode() >= 200 && r.statusCode() < 400;
      }
      if (probe.getExec() != null) {
        ProcessBuilder pb = new ProcessBuilder(PodNetwork.inside(net, probe.getExec().getCommand()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return false;
        }
        return p.exitValue() == 0;
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean grpc(String ip, int port, String service, int timeoutSeconds) throws InterruptedException {
    ManagedChannel ch = NettyChannelBuilder.forAddress(ip, port).usePlaintext().build();
    try {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service == null ? "" : service).build());
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(1, TimeUnit.SECONDS);
    }
  }

  /** A probe port by number, or by the name of one of the container's ports. */
  static int port(IntOrString port, Container container) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    if (container.getPorts() != null) {
      for (ContainerPort p : container.getPorts()) {
        if (port.getStrVal().equals(p.getName())) {
          return p.getContainerPort();
        }
      }
    }
    throw new IllegalArgumentException("no container port named " + port.getStrVal());
  }
}

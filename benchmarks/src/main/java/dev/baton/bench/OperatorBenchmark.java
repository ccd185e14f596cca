package dev.baton.bench;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.SessionPhase;
import dev.baton.e2e.controlplane.ControlPlane;
import dev.baton.e2e.node.ImageCatalog;
import dev.baton.e2e.node.LocalNode;
import dev.baton.operator.OperatorMain;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's cost as the sessions it holds grow, on a real control plane with one local node
 * and a pool of drivers. The operator runs as its own process with the heap its chart gives it
 * and the image's flags (operator/Dockerfile in a 512 MiB container: 35% of it heap), so its RSS
 * and CPU time are its own. Sessions are added 1,000 at a time; at each size named on the command
 * line the benchmark waits for a steady state and then, over a window of one minute (twelve pool
 * resyncs; every steady session is read once), reads:
 *
 * <ul>
 *   <li>the operator's RSS (/proc) and CPU time (utime + stime) in the window, and its live heap
 *       after a full collection;
 *   <li>writes to the pool's namespace in the window, from the API server's audit log (a steady
 *       pool and its sessions should cost none);
 *   <li>calls the operator made to drivers in the window, by method, from its own
 *       {@code baton_operator_driver_calls_total};
 *   <li>the time the last 1,000 sessions took from created to all Bound.
 * </ul>
 *
 * <p>Usage: {@code ./bench operator [drivers] [sizes...]} (default 10 drivers, 1000 2000 5000).
 */
public final class OperatorBenchmark {
  private static final String NS = "bench";
  private static final int BATCH = 1000;
  /** One steady session's longest resync (ClientSessionReconciler.STEADY_RESYNC): every session is read once. */
  private static final int WINDOW_SECONDS = 60;
  /** Pools resync every 5 s (DriverPoolReconcilerTiming): the window holds this many. */
  private static final int RESYNCS = WINDOW_SECONDS / 5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private OperatorBenchmark() {}

  public static void main(String[] args) throws Exception {
    int drivers = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int[] sizes = args.length > 1 ? Arrays.stream(args).skip(1).mapToInt(Integer::parseInt).sorted().toArray()
        : new int[] {1000, 2000, 5000};
    int most = sizes[sizes.length - 1];
    Path dir = Files.createTempDirectory("baton-bench-operator");
    try (ControlPlane plane = ControlPlane.start(dir, false);
        KubernetesClient admin = plane.adminClient();
        KubernetesClient nodeClient = plane.adminClient();
        LocalNode node = new LocalNode(nodeClient, LocalNode.DEFAULT_NAME, ImageCatalog.standard(),
            dir.resolve("pods")).start()) {
      plane.installCrds(Path.of("crds"), admin);
      check(plane.kubectl("create", "namespace", NS));
      int healthPort = freePort();
      Process operator = startOperator(plane, healthPort, dir.resolve("operator.log"));
      try {
        check(plane.kubectlApply("""
            apiVersion: baton.dev/v1alpha1
            kind: DriverPool
            metadata: {name: bench, namespace: bench}
            spec:
              replicas: %d
              driver: {image: registry.example/baton-driver:1.0.0, engine: {threads: 1, memoryLimit: 64Mi}}
              sessions: {maxPerDriver: %d, idleTimeout: 24h}
            """.formatted(drivers, (most + drivers - 1) / drivers + 50)));
        admin.resources(dev.baton.api.model.DriverPool.class).inNamespace(NS).withName("bench")
            .waitUntilCondition(p -> p != null && p.getStatus() != null
                && Integer.valueOf(drivers).equals(p.getStatus().getReadyReplicas()), 600, TimeUnit.SECONDS);
        System.out.printf("operator at scale: %d drivers on one local node; the operator in its own JVM "
            + "(its image's flags in the chart's 512 MiB container: -Xms8m -Xmx179m, serial GC); "
            + "per minute of steady state "
            + "(%d pool resyncs, each steady session read once)%n", drivers, RESYNCS);
        System.out.printf("%9s %12s %7s %8s %11s %14s %12s %11s %15s%n", "sessions", "place 1000 s", "RSS MB",
            "heap MB", "writes/min", "Status/resync", "Lists/resync", "CPU ms/min", "CPU ms/min/1k");
        int created = 0;
        double lastPlace = 0;
        for (int size : sizes) {
          while (created < size) {
            int n = Math.min(BATCH, size - created);
            lastPlace = createAndAwaitBound(admin, created, n);
            created += n;
          }
          Thread.sleep(10_000); // settle: the last placements' events and listings
          Window w = measure(plane, operator.pid(), healthPort);
          System.out.printf("%9d %12.1f %7d %8d %11d %14.1f %12.1f %11.0f %15.1f%n", size, lastPlace, w.rssMb(),
              w.heapMb(), w.writes(), w.calls("Status") / (double) RESYNCS, w.calls("ListSessions") / (double) RESYNCS,
              w.cpuMs(), w.cpuMs() / (size / 1000.0));
          if (!w.writers().isEmpty()) {
            System.out.println("  writes in the window: " + w.writers());
          }
          System.out.println("  driver calls in the window: " + w.calls());
          if (String.valueOf(System.getenv("BATON_BENCH_OPERATOR_JVM_OPTS")).contains("NativeMemoryTracking")) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(operator.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
            new String(p.getInputStream().readAllBytes()).lines().filter(l -> l.contains("committed="))
                .forEach(l -> System.out.println("  " + l.trim()));
          }
        }
        System.out.println("goals: RSS <= 300 MB; 0 writes in a steady state; driver Status calls per resync "
            + "proportional to drivers (" + drivers + "), not sessions");
      } finally {
        operator.destroy();
        operator.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** What one steady window showed. */
  private record Window(long rssMb, long heapMb, double cpuMs, int writes, Map<String, Integer> writers,
      Map<String, Double> calls) {
    double calls(String method) {
      return calls.getOrDefault(method, 0.0);
    }
  }

  private static Window measure(ControlPlane plane, long pid, int healthPort) throws Exception {
    Map<String, Double> callsBefore = driverCalls(healthPort);
    int auditMark = dev.baton.e2e.controlplane.AuditLog.lines(plane.auditLog());
    double cpuBefore = cpuMs(pid);
    Thread.sleep(WINDOW_SECONDS * 1000L);
    double cpu = cpuMs(pid) - cpuBefore;
    Map<String, Double> callsAfter = driverCalls(healthPort);
    Map<String, Double> calls = new TreeMap<>();
    callsAfter.forEach((m, v) -> calls.put(m, v - callsBefore.getOrDefault(m, 0.0)));
    Map<String, Integer> writers = new TreeMap<>();
    List<String> lines = Files.readAllLines(plane.auditLog());
    int writes = 0;
    for (String line : lines.subList(Math.min(auditMark, lines.size()), lines.size())) {
      JsonNode e = JSON.readTree(line);
      JsonNode ref = e.path("objectRef");
      if ("ResponseComplete".equals(e.path("stage").asText()) && NS.equals(ref.path("namespace").asText())) {
        writes++;
        writers.merge(e.path("verb").asText() + " " + ref.path("resource").asText()
            + (ref.has("subresource") ? "/" + ref.path("subresource").asText() : ""), 1, Integer::sum);
      }
    }
    return new Window(rssKb(pid) / 1024, liveHeapMb(pid), cpu, writes, writers, calls);
  }

  /** The heap in use right after a full collection (jcmd GC.run, then GC.heap_info), MB. */
  private static long liveHeapMb(long pid) throws Exception {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start().waitFor();
    Process p = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    // One "total NK, used NK" line per generation (serial: new and tenured; G1: one heap).
    Matcher m = Pattern.compile("total \\d+K, used (\\d+)K").matcher(out);
    long usedKb = 0;
    boolean found = false;
    while (m.find()) {
      usedKb += Long.parseLong(m.group(1));
      found = true;
    }
    return found ? usedKb / 1024 : -1;
  }

  /** Creates sessions {@code from .. from + n - 1} (8 at a time) and waits until all are Bound; seconds. */
  private static double createAndAwaitBound(KubernetesClient admin, int from, int n) throws Exception {
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = from; i < from + n; i++) {
        String name = "s-" + i;
        done.add(pool.submit(() -> admin.resources(ClientSession.class).inNamespace(NS).resource(session(name))
            .create()));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
    while (true) {
      long bound = admin.resources(ClientSession.class).inNamespace(NS).list().getItems().stream()
          .filter(cs -> cs.getStatus() != null && cs.getStatus().getPhase() == SessionPhase.Bound).count();
      if (bound >= from + n) {
        return (System.nanoTime() - start) / 1e9;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(bound + " of " + (from + n) + " sessions Bound after 15 minutes");
      }
      Thread.sleep(500);
    }
  }

  private static ClientSession session(String name) {
    ClientSession cs = new ClientSession();
    cs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    dev.baton.api.model.ClientSessionSpec spec = new dev.baton.api.model.ClientSessionSpec();
    spec.setPool("bench");
    spec.setPrincipal("bench");
    cs.setSpec(spec);
    return cs;
  }

  private static Process startOperator(ControlPlane plane, int healthPort, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // operator/Dockerfile's flags in the chart's 512 MiB container: 35% of it is 179 MiB of heap,
    // and the JVM's default initial heap there is 1/64 of it, 8 MiB (on this machine it would be
    // all 179 MiB at once, which the container never commits).
    List<String> cmd = new ArrayList<>(List.of(java, "-Xms8m", "-Xmx179m", "-XX:+UseSerialGC",
        "-XX:MaxHeapFreeRatio=30", "-XX:TieredStopAtLevel=1", "-XX:MinHeapFreeRatio=10", "-XX:ReservedCodeCacheSize=48m",
        "-Dio.netty.allocator.numDirectArenas=1", "-Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=1",
        "-XX:+ExitOnOutOfMemoryError",
        "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener"));
    // More JVM options for the operator, e.g. a flight recording or native memory tracking.
    String extra = System.getenv("BATON_BENCH_OPERATOR_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OperatorMain.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MALLOC_ARENA_MAX", "2");
    pb.environment().put("KUBECONFIG", plane.kubeconfig().toString());
    pb.environment().put("WATCH_NAMESPACES", NS);
    pb.environment().put("HEALTH_PORT", String.valueOf(healthPort));
    return pb.start();
  }

  private static final Pattern CALLS =
      Pattern.compile("^baton_operator_driver_calls_total\\{method=\"([^\"]+)\"[^}]*} ([0-9.eE+]+)$",
          Pattern.MULTILINE);

  private static Map<String, Double> driverCalls(int healthPort) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + healthPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    Map<String, Double> out = new TreeMap<>();
    Matcher m = CALLS.matcher(r.body());
    while (m.find()) {
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  /** The process's user + system CPU time, ms (/proc/pid/stat fields 14 and 15, in clock ticks of 10 ms). */
  private static double cpuMs(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void check(ControlPlane.KubectlResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(r.output());
    }
  }
}

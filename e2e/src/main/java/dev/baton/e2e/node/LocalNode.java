package dev.baton.e2e.node;

import dev.baton.e2e.controlplane.ProcessReaper;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node for tests: registers itself, binds pending pods to itself (it is its own scheduler),
 * and runs each pod's containers as local processes in a network namespace of their own, with a
 * private address as {@code status.podIP} (see {@link PodNetwork}). It runs probes, reports pod and container status, restarts
 * crashed containers as {@code restartPolicy} says, and on pod deletion sends SIGTERM, waits the
 * grace period, sends SIGKILL and removes the pod.
 *
 * <p>Differences from a kubelet, chosen for fast tests: crash back-off starts at 1 s and stops
 * growing at 30 s; a container that is not ready yet is probed every 250 ms.
 */
public final class LocalNode implements AutoCloseable {
  public static final String DEFAULT_NAME = "baton-local-node";
  private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);
  /** The only variables a container inherits from the test JVM's environment. */
  private static final List<String> INHERITED_ENV = List.of("PATH", "HOME", "LANG", "TMPDIR", "JAVA_HOME");

  private final KubernetesClient client;
  private final String nodeName;
  private final ImageCatalog images;
  private final Path logDir;
  private KubeletLogEndpoint kubeletLogs;
  private final PodEnvironment environment;
  private final ApiAccess apiAccess;
  private final Map<String, PodRuntime> pods = new ConcurrentHashMap<>(); // by uid
  private final Map<String, PodStatus> written = new ConcurrentHashMap<>(); // last status written, by uid
  private final PodNetwork network = new PodNetwork();
  private final Semaphore wake = new Semaphore(0);
  private final ExecutorService probes = Executors.newCachedThreadPool(daemon("local-node-probe"));
  private final ExecutorService terminations = Executors.newCachedThreadPool(daemon("local-node-stop"));
  private SharedIndexInformer<Pod> informer;
  private SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> nodeInformer;
  private Thread syncThread;
  private Thread leaseThread;
  private volatile boolean running;

  public LocalNode(KubernetesClient client, String nodeName, ImageCatalog images, Path logDir) {
    this.client = client;
    this.nodeName = nodeName;
    this.images = images;
    this.logDir = logDir;
    this.environment = new PodEnvironment(client);
    this.apiAccess = new ApiAccess(client);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public String name() {
    return nodeName;
  }

  public LocalNode start() throws IOException {
    Files.createDirectories(logDir);
    kubeletLogs = KubeletLogEndpoint.start(logDir, nodeName);
    registerNode();
    running = true;
    informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        wake.release();
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        wake.release();
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        wake.release();
      }
    }, 0);
    // Cordons, uncordons and capacity changes of any local node change where pods go.
    nodeInformer = client.nodes().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(io.fabric8.kubernetes.api.model.Node n) {
        wake.release();
      }

      @Override
      public void onUpdate(io.fabric8.kubernetes.api.model.Node a, io.fabric8.kubernetes.api.model.Node b) {
        wake.release();
      }

      @Override
      public void onDelete(io.fabric8.kubernetes.api.model.Node n, boolean unknown) {
        wake.release();
      }
    }, 0);
    syncThread = new Thread(this::syncLoop, "local-node-sync");
    syncThread.setDaemon(true);
    syncThread.start();
    leaseThread = new Thread(this::leaseLoop, "local-node-lease");
    leaseThread.setDaemon(true);
    leaseThread.start();
    LOG.info("local node {} started", nodeName);
    return this;
  }

  private void registerNode() {
    int cpus = Runtime.getRuntime().availableProcessors();
    var node = new NodeBuilder().withNewMetadata().withName(nodeName)
        .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux")
        .addToLabels(LocalScheduler.LOCAL_NODE_LABEL, "true").endMetadata()
        .build();
    client.nodes().resource(node).serverSideApply();
    Map<String, Quantity> capacity = Map.of("cpu", new Quantity(String.valueOf(cpus)),
        "memory", new Quantity("16Gi"), "pods", new Quantity("250"));
    // A merge patch without resourceVersion: the controller manager edits a new node at once.
    var status = new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata().withNewStatus()
        .withCapacity(capacity).withAllocatable(capacity)
        .addNewAddress("127.0.0.1", "InternalIP").addNewAddress(nodeName, "Hostname")
        // kubectl logs: the API server proxies to this port (see KubeletLogEndpoint).
        .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletLogs.port()).endKubeletEndpoint()
        .endDaemonEndpoints()
        .withConditions(readyCondition())
        .withNewNodeInfo().withKubeletVersion("v" + System.getProperty("baton.k8s.version", "1.34.4"))
        .withOperatingSystem("linux").withArchitecture("amd64").withContainerRuntimeVersion("baton-local://1")
        .withOsImage("local processes").withKernelVersion(System.getProperty("os.version"))
        .withMachineID(nodeName).withSystemUUID(nodeName).withBootID(nodeName)
        .withKubeProxyVersion("").endNodeInfo()
        .endStatus().build();
    client.nodes().resource(status).patchStatus();
  }

  private static NodeCondition readyCondition() {
    String now = PodStatusCalculator.time(Instant.now());
    return new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("local node is running pods as processes").withLastHeartbeatTime(now)
        .withLastTransitionTime(now).build();
  }

  /** Renews the node's Lease, which is how the controller manager knows the node is alive. */
  private void leaseLoop() {
    while (running) {
      try {
        String now = ZonedDateTime.now(ZoneOffset.UTC).toOffsetDateTime().toString();
        Lease lease = new LeaseBuilder().withNewMetadata().withName(nodeName).withNamespace("kube-node-lease")
            .endMetadata().withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(40)
            .withRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC)).endSpec().build();
        client.leases().inNamespace("kube-node-lease").resource(lease).serverSideApply();
        LOG.trace("lease renewed at {}", now);
      } catch (RuntimeException e) {
        if (running) {
          LOG.debug("lease renewal failed: {}", e.toString());
        }
      }
      sleep(10_000);
    }
  }

  private void syncLoop() {
    while (running) {
      try {
        wake.tryAcquire(200, TimeUnit.MILLISECONDS);
        wake.drainPermits();
        syncAll();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (running) {
          LOG.warn("local node sync failed: {}", e.toString(), e);
        }
      }
    }
  }

  private void syncAll() {
    Map<String, Pod> seen = new HashMap<>();
    for (Pod pod : informer.getStore().list()) {
      seen.put(pod.getMetadata().getUid(), pod);
      try {
        sync(pod);
      } catch (KubernetesClientException e) {
        LOG.debug("sync of pod {}/{} failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
            e.getMessage());
      }
    }
    // Pods removed by someone else (force deletion): stop what still runs.
    for (PodRuntime rt : new ArrayList<>(pods.values())) {
      if (!seen.containsKey(rt.uid) && !rt.terminating) {
        rt.terminating = true;
        terminations.execute(() -> stopContainers(rt, 0));
        pods.remove(rt.uid);
        written.remove(rt.uid);
      }
    }
  }

  private void sync(Pod pod) {
    String nodeOfPod = pod.getSpec().getNodeName();
    if (nodeOfPod == null || nodeOfPod.isEmpty()) {
      String scheduler = pod.getSpec().getSchedulerName();
      if (pod.getMetadata().getDeletionTimestamp() == null
          && (scheduler == null || scheduler.equals("default-scheduler"))) {
        schedule(pod);
      }
      return;
    }
    if (!nodeName.equals(nodeOfPod)) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    PodRuntime rt = pods.get(uid);
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      if (rt == null) {
        forceDelete(pod);
      } else if (!rt.terminating) {
        rt.terminating = true;
        long grace = gracePeriodSeconds(pod);
        PodRuntime stopping = rt;
        terminations.execute(() -> {
          stopContainers(stopping, grace);
          pods.remove(uid);
          written.remove(uid);
          forceDelete(pod);
        });
      }
      return;
    }
    if (rt == null) {
      if (isFinished(pod)) {
        return; // a finished pod from an earlier run of the node: nothing to restart
      }
      rt = createRuntime(pod);
      pods.put(uid, rt);
    }
    if (rt.terminating) {
      return;
    }
    Instant now = Instant.now();
    for (ContainerRuntime c : rt.containers) {
      driveContainer(pod, rt, c, now);
    }
    PodStatus status = PodStatusCalculator.compute(pod, rt, now);
    if (!status.equals(written.get(uid))) {
      Pod patch = new PodBuilder().withNewMetadata().withName(pod.getMetadata().getName())
          .withNamespace(pod.getMetadata().getNamespace()).endMetadata().withStatus(status).build();
      client.pods().inNamespace(rt.namespace).resource(patch).patchStatus();
      written.put(uid, status);
    }
  }

  private static boolean isFinished(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /**
   * Binds the pod here if {@link LocalScheduler} picks this node; if it picks none, the first
   * local node reports the pod Unschedulable, as the scheduler would.
   */
  private void schedule(Pod pod) {
    List<io.fabric8.kubernetes.api.model.Node> nodes = nodeInformer.getStore().list();
    Optional<String> chosen = LocalScheduler.choose(pod, nodes, informer.getStore().list());
    if (chosen.isPresent()) {
      if (chosen.get().equals(nodeName)) {
        try {
          bind(pod);
        } catch (KubernetesClientException e) {
          LOG.debug("pod {}/{} bound elsewhere: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
              e.getMessage());
        }
      }
      return;
    }
    if (!LocalScheduler.reporter(nodes).map(nodeName::equals).orElse(false)) {
      return;
    }
    boolean reported = pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus()
        .getConditions().stream().anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()));
    if (!reported) {
      Pod patch = new PodBuilder().withNewMetadata().withName(pod.getMetadata().getName())
          .withNamespace(pod.getMetadata().getNamespace()).endMetadata().withNewStatus().withPhase("Pending")
          .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
          .withMessage("0/" + nodes.size() + " nodes are available: cordoned or no room for more pods")
          .withLastTransitionTime(PodStatusCalculator.time(Instant.now())).endCondition().endStatus().build();
      client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(patch).patchStatus();
      LOG.info("pod {}/{} is unschedulable", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }
  }

  private void bind(Pod pod) {
    client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endMetadata()
        .withNewTarget().withApiVersion("v1").withKind("Node").withName(nodeName).endTarget().build()).create();
    LOG.info("bound pod {}/{} to {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), nodeName);
  }

  private PodRuntime createRuntime(Pod pod) {
    PodNetwork.Attachment net = network.attach();
    String ip = net.podAddress();
    List<ContainerRuntime> containers = new ArrayList<>();
    // One ServiceAccount token per pod, as a projected volume would give all its containers.
    Map<String, String> api = Map.of();
    String apiError = null;
    try {
      api = apiAccess.env(pod, net.hostAddress());
    } catch (RuntimeException e) {
      apiError = "service account token: " + e.getMessage();
    }
    for (Container c : pod.getSpec().getContainers()) {
      ImageCatalog.Launch launch = null;
      String error = apiError;
      Map<String, String> env = Map.of();
      try {
        launch = images.resolve(c);
        env = new java.util.LinkedHashMap<>(api);
        env.putAll(environment.resolve(pod, c, ip, PodStatusCalculator.HOST_IP));
      } catch (RuntimeException e) {
        error = e.getMessage();
      }
      containers.add(new ContainerRuntime(c, launch, error, env));
    }
    LOG.info("pod {}/{} gets address {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), ip);
    return new PodRuntime(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
        pod.getMetadata().getUid(), net, Instant.now(), containers);
  }

  private void driveContainer(Pod pod, PodRuntime rt, ContainerRuntime c, Instant now) {
    if (c.launch == null || c.finished) {
      return;
    }
    if (c.process != null && !c.process.isAlive()) {
      int code = c.process.exitValue();
      String reason = code == 0 ? "Completed" : "Error";
      c.lastExit = new ContainerRuntime.Exit(code, reason, c.startedAt, now);
      c.process = null;
      String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
      boolean restart = policy.equals("Always") || (policy.equals("OnFailure") && code != 0);
      LOG.info("container {}/{}/{} exited with {}{}", rt.namespace, rt.name, c.spec.getName(), code,
          restart ? ", restarting" : "");
      if (restart) {
        c.restartCount++;
        long backoff = Math.min(30_000L, 1000L << Math.min(c.restartCount - 1, 5));
        c.restartNotBefore = now.plusMillis(backoff);
      } else {
        c.finished = true;
        return;
      }
    }
    if (c.process == null && !now.isBefore(c.restartNotBefore)) {
      launch(rt, c, now);
    }
    if (c.running()) {
      Probe[] due = c.claimProbe(now);
      if (due != null) {
        probes.execute(() -> probe(rt, c, due));
      }
    }
  }

  private void launch(PodRuntime rt, ContainerRuntime c, Instant now) {
    Path log = logDir.resolve(rt.namespace + "_" + rt.name + "_" + c.spec.getName() + ".log");
    ProcessBuilder pb = new ProcessBuilder(PodNetwork.inside(rt.network, c.launch.command())).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !INHERITED_ENV.contains(k));
    env.putAll(c.env);
    env.putAll(c.launch.env());
    if (c.spec.getWorkingDir() != null) {
      pb.directory(Path.of(c.spec.getWorkingDir()).toFile());
    }
    try {
      c.process = pb.start();
      ProcessReaper.register(c.process);
      c.startedAt = now;
      c.killedByNode = false;
      c.resetProbes(now);
      LOG.info("container {}/{}/{} started as pid {} at {}", rt.namespace, rt.name, c.spec.getName(),
          c.process.pid(), rt.ip);
    } catch (IOException e) {
      c.lastExit = new ContainerRuntime.Exit(128, "StartError: " + e.getMessage(), now, now);
      c.restartCount++;
      c.restartNotBefore = now.plusSeconds(5);
    }
  }

  private void probe(PodRuntime rt, ContainerRuntime c, Probe[] due) {
    Instant now = Instant.now();
    Boolean startup = due[0] == null ? null : ProbeRunner.run(due[0], c.spec, rt.network, c.env);
    Boolean readiness = due[1] == null ? null : ProbeRunner.run(due[1], c.spec, rt.network, c.env);
    Boolean liveness = due[2] == null ? null : ProbeRunner.run(due[2], c.spec, rt.network, c.env);
    if (c.record(startup, readiness, liveness, Instant.now()) && !c.killedByNode) {
      c.killedByNode = true;
      Process p = c.process;
      LOG.info("container {}/{}/{} failed its liveness probe; killing it", rt.namespace, rt.name, c.spec.getName());
      terminations.execute(() -> stopProcess(p, 10));
    }
    LOG.trace("probed {} in {}", c.spec.getName(), java.time.Duration.between(now, Instant.now()));
    wake.release();
  }

  private static long gracePeriodSeconds(Pod pod) {
    Long fromDelete = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (fromDelete != null) {
      return fromDelete;
    }
    Long fromSpec = pod.getSpec().getTerminationGracePeriodSeconds();
    return fromSpec == null ? 30 : fromSpec;
  }

  private void stopContainers(PodRuntime rt, long graceSeconds) {
    List<Process> live = new ArrayList<>();
    for (ContainerRuntime c : rt.containers) {
      if (c.process != null && c.process.isAlive()) {
        live.add(c.process);
      }
    }
    for (Process p : live) {
      p.destroy(); // SIGTERM
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    for (Process p : live) {
      stopProcessBy(p, deadline);
    }
    network.detach(rt.network);
    LOG.info("pod {}/{} stopped ({} process(es), grace {}s)", rt.namespace, rt.name, live.size(), graceSeconds);
  }

  private static void stopProcess(Process p, long graceSeconds) {
    if (p == null) {
      return;
    }
    p.destroy();
    stopProcessBy(p, System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds));
  }

  private static void stopProcessBy(Process p, long deadlineNanos) {
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void forceDelete(Pod pod) {
    try {
      client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      LOG.debug("final delete of {}/{} failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
          e.getMessage());
    }
  }

  /** The process of a running container, for tests that kill it. */
  public Optional<ProcessHandle> containerProcess(String namespace, String pod, String container) {
    for (PodRuntime rt : pods.values()) {
      if (rt.namespace.equals(namespace) && rt.name.equals(pod)) {
        for (ContainerRuntime c : rt.containers) {
          Process p = c.process;
          if (c.spec.getName().equals(container) && p != null && p.isAlive()) {
            return Optional.of(p.toHandle());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Every container process this node started that is still alive. */
  public List<ProcessHandle> liveProcesses() {
    List<ProcessHandle> out = new ArrayList<>();
    for (PodRuntime rt : pods.values()) {
      for (ContainerRuntime c : rt.containers) {
        Process p = c.process;
        if (p != null && p.isAlive()) {
          out.add(p.toHandle());
        }
      }
    }
    return out;
  }

  /** Network namespaces of pods still present (empty after {@link #close()}). */
  public List<String> networkNamespaces() {
    return network.namespaces();
  }

  public Path logDir() {
    return logDir;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the node: every container process gets SIGTERM and, after 5 s, SIGKILL. */
  @Override
  public void close() {
    running = false;
    if (informer != null) {
      informer.close();
    }
    if (nodeInformer != null) {
      nodeInformer.close();
    }
    if (syncThread != null) {
      syncThread.interrupt();
      try {
        syncThread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (leaseThread != null) {
      leaseThread.interrupt();
    }
    for (PodRuntime rt : pods.values()) {
      stopContainers(rt, 5);
    }
    pods.clear();
    network.close();
    if (kubeletLogs != null) {
      kubeletLogs.close();
    }
    probes.shutdownNow();
    terminations.shutdownNow();
    LOG.info("local node {} stopped", nodeName);
  }
}

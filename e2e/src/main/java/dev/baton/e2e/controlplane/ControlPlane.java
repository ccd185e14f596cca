package dev.baton.e2e.controlplane;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC on, ServiceAccount
 * tokens, a static admin token) and, when asked, kube-controller-manager (garbage collection,
 * namespace deletion). Everything lives in one work directory: data, keys, certificates,
 * kubeconfig and each component's log.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final ControlPlaneBinaries binaries;
  private final Path workDir;
  private final String adminToken;
  private final List<ManagedProcess> processes = new ArrayList<>();
  private int apiPort;

  private ControlPlane(ControlPlaneBinaries binaries, Path workDir) {
    this.binaries = binaries;
    this.workDir = workDir;
    byte[] token = new byte[24];
    new SecureRandom().nextBytes(token);
    this.adminToken = HexFormat.of().formatHex(token);
  }

  /**
   * Starts the control plane in {@code workDir}. If any component fails to start, everything
   * started so far is stopped and the exception names the log to read.
   */
  public static ControlPlane start(Path workDir, boolean withControllerManager) throws Exception {
    ControlPlane cp = new ControlPlane(ControlPlaneBinaries.locate(), workDir);
    try {
      cp.startAll(withControllerManager);
      return cp;
    } catch (Exception e) {
      cp.close();
      throw e;
    }
  }

  private void startAll(boolean withControllerManager) throws Exception {
    Files.createDirectories(workDir);
    deleteRecursively(workDir.resolve("etcd-data")); // every start is a fresh cluster
    long started = System.nanoTime();
    int[] ports = freePorts(4);
    int etcdPort = ports[0];
    int peerPort = ports[1];
    apiPort = ports[2];
    int kcmPort = ports[3];

    ManagedProcess etcd = launch("etcd", List.of(binaries.path("etcd").toString(),
        "--name", "baton-test",
        "--data-dir", workDir.resolve("etcd-data").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + etcdPort,
        "--advertise-client-urls", "http://127.0.0.1:" + etcdPort,
        "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
        "--initial-cluster", "baton-test=http://127.0.0.1:" + peerPort,
        "--unsafe-no-fsync", "--log-level", "warn"));
    awaitHttp(etcd, "http://127.0.0.1:" + etcdPort + "/health", null, Duration.ofSeconds(60));

    Path tokens = workDir.resolve("tokens.csv");
    Files.writeString(tokens, adminToken + ",baton-admin,baton-admin,\"system:masters\"\n");
    Path auditPolicy = workDir.resolve("audit-policy.yaml");
    // Writes only, metadata level: tests count what a component wrote (e.g. zero in steady state).
    Files.writeString(auditPolicy, String.join("\n",
        "apiVersion: audit.k8s.io/v1",
        "kind: Policy",
        "omitStages: [\"RequestReceived\"]",
        "rules:",
        "- level: None",
        "  verbs: [\"get\", \"list\", \"watch\"]",
        "- level: Metadata",
        ""));
    Files.deleteIfExists(auditLog());
    Path saKey = workDir.resolve("sa.key");
    Path saPub = workDir.resolve("sa.pub");
    ServiceAccountKeys.write(saKey, saPub);
    ManagedProcess apiserver = launch("kube-apiserver", List.of(binaries.path("kube-apiserver").toString(),
        "--etcd-servers", "http://127.0.0.1:" + etcdPort,
        // All addresses: pods of the local node (own network namespaces) reach it at their
        // veth's host side, as in-cluster clients reach the kubernetes Service.
        "--bind-address", "0.0.0.0",
        "--advertise-address", "127.0.0.1",
        "--secure-port", String.valueOf(apiPort),
        "--cert-dir", workDir.resolve("certs").toString(),
        "--token-auth-file", tokens.toString(),
        "--authorization-mode", "RBAC",
        "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file", saPub.toString(),
        "--service-account-signing-key-file", saKey.toString(),
        "--api-audiences", "https://kubernetes.default.svc.cluster.local",
        "--service-cluster-ip-range", "10.96.0.0/16",
        // Pods here run as local processes and mount no token volume.
        "--disable-admission-plugins", "ServiceAccount",
        "--allow-privileged=true",
        // Local nodes give 127.0.0.1 and their own kubelet port: kubectl logs reaches them there.
        "--kubelet-preferred-address-types", "InternalIP",
        "--audit-policy-file", auditPolicy.toString(),
        "--audit-log-path", auditLog().toString(),
        "--profiling=false",
        "--v", "1"));
    awaitHttp(apiserver, url() + "/readyz", adminToken, Duration.ofSeconds(120));

    Path kubeconfig = writeKubeconfig();
    if (withControllerManager) {
      ManagedProcess kcm = launch("kube-controller-manager", List.of(
          binaries.path("kube-controller-manager").toString(),
          "--kubeconfig", kubeconfig.toString(),
          "--authentication-kubeconfig", kubeconfig.toString(),
          "--authorization-kubeconfig", kubeconfig.toString(),
          // No client CA here, so there is no authentication config to look up in the cluster.
          "--authentication-skip-lookup=true",
          "--leader-elect=false",
          "--bind-address", "127.0.0.1",
          "--secure-port", String.valueOf(kcmPort),
          "--service-account-private-key-file", saKey.toString(),
          "--root-ca-file", workDir.resolve("certs").resolve("apiserver.crt").toString(),
          "--controllers", "*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-node-route-controller",
          "--concurrent-gc-syncs", "5",
          "--v", "1"));
      // Ready when its controllers work: the ServiceAccount controller creates default/default.
      awaitHttp(kcm, url() + "/api/v1/namespaces/default/serviceaccounts/default", adminToken,
          Duration.ofSeconds(120));
    }
    LOG.info("control plane {} up at {} in {} ms (work dir {})", binaries.version(), url(),
        (System.nanoTime() - started) / 1_000_000, workDir);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private ManagedProcess launch(String name, List<String> command) throws IOException {
    ManagedProcess p = ManagedProcess.start(name, command, Map.of(), workDir.resolve(name + ".log"));
    processes.add(p);
    return p;
  }

  /**
   * Distinct free ports: all sockets are held open together, since ports taken one at a time
   * can repeat (the first is free again when the second is chosen), and etcd then finds its
   * peer port in use by its own client port.
   */
  private static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  /** Polls a health URL until it answers 200, failing early if the process died. */
  private static void awaitHttp(ManagedProcess process, String url, String token, Duration timeout)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(process.name() + " exited with " + process.process().exitValue()
            + "; see " + process.log() + ":\n" + tail(process.log()));
      }
      try {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (token != null) {
          req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(process.name() + " not ready at " + url + " within " + timeout
        + " (last: " + last + "); see " + process.log());
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  static SSLContext trustAll() throws Exception {
    // The apiserver's serving certificate is self-signed for this run; only loopback is trusted.
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    return ctx;
  }

  private Path writeKubeconfig() throws IOException {
    Path kubeconfig = workDir.resolve("kubeconfig");
    Files.writeString(kubeconfig, String.join("\n",
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: baton-test",
        "  cluster:",
        "    server: " + url(),
        "    insecure-skip-tls-verify: true",
        "users:",
        "- name: baton-admin",
        "  user:",
        "    token: " + adminToken,
        "contexts:",
        "- name: baton-test",
        "  context:",
        "    cluster: baton-test",
        "    user: baton-admin",
        "current-context: baton-test",
        ""));
    return kubeconfig;
  }

  /** The apiserver's URL, https://127.0.0.1:port. */
  public String url() {
    return "https://127.0.0.1:" + apiPort;
  }

  /** The apiserver's audit log: one JSON line per write request (create, update, patch, delete). */
  public Path auditLog() {
    return workDir.resolve("audit.log");
  }

  /** A kubeconfig with admin (system:masters) credentials, for kubectl and controllers. */
  public Path kubeconfig() {
    return workDir.resolve("kubeconfig");
  }

  public Path workDir() {
    return workDir;
  }

  public ControlPlaneBinaries binaries() {
    return binaries;
  }

  private ConfigBuilder baseConfig() {
    return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withTrustCerts(true)
        .withRequestTimeout(30_000).withConnectionTimeout(10_000);
  }

  /** A new client with admin rights (system:masters). Close it when done. */
  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(baseConfig().withOauthToken(adminToken).build()).build();
  }

  /** A new client acting as {@code user} in {@code groups}, by impersonation: RBAC decides. */
  public KubernetesClient clientAs(String user, String... groups) {
    return new KubernetesClientBuilder().withConfig(baseConfig().withOauthToken(adminToken)
        .withImpersonateUsername(user).withImpersonateGroups(groups).build()).build();
  }

  /** A new client acting as a ServiceAccount, by impersonation. */
  public KubernetesClient clientAsServiceAccount(String namespace, String name) {
    return clientAs("system:serviceaccount:" + namespace + ":" + name,
        "system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
  }

  /** A new client that authenticates with a bearer token (e.g. a ServiceAccount token). */
  public KubernetesClient clientWithToken(String token) {
    return new KubernetesClientBuilder().withConfig(baseConfig().withOauthToken(token).build()).build();
  }

  /** Runs the built kubectl against this control plane; returns its exit code and output. */
  /**
   * Applies every CRD manifest in {@code directory} with kubectl and waits (through
   * {@code client}) until each CRD it defines is Established, so resources can be created at once.
   */
  public void installCrds(Path directory, KubernetesClient client) throws Exception {
    KubectlResult applied = kubectl("apply", "-f", directory.toString(), "-o", "name");
    if (applied.exitCode() != 0) {
      throw new IllegalStateException("kubectl apply -f " + directory + " failed:\n" + applied.output());
    }
    for (String line : applied.output().lines().toList()) {
      String name = line.strip().replaceFirst("^customresourcedefinition\\.apiextensions\\.k8s\\.io/", "");
      if (name.isEmpty() || name.equals(line.strip())) {
        continue;
      }
      client.apiextensions().v1().customResourceDefinitions().withName(name)
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
              && c.getStatus().getConditions().stream()
                  .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
              60, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  public KubectlResult kubectl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(binaries.path("kubectl").toString(), "--kubeconfig",
        kubeconfig().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    return new KubectlResult(p.waitFor(), out);
  }

  /** {@code kubectl apply -f} of a manifest given as text, with extra arguments (e.g. -n ns). */
  public KubectlResult kubectlApply(String yaml, String... args) throws Exception {
    Path file = Files.createTempFile(workDir, "manifest", ".yaml");
    try {
      Files.writeString(file, yaml);
      List<String> all = new ArrayList<>(List.of("apply", "-f", file.toString()));
      all.addAll(List.of(args));
      return kubectl(all.toArray(String[]::new));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** What a kubectl run printed. */
  public record KubectlResult(int exitCode, String output) {}

  /** Process ids of the running components (for tests that check nothing is left behind). */
  public List<Long> pids() {
    return processes.stream().filter(ManagedProcess::isAlive).map(ManagedProcess::pid).toList();
  }

  /** Stops the controller manager, the apiserver, then etcd. Logs stay in the work dir. */
  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).stop(10_000);
    }
    processes.clear();
  }
}

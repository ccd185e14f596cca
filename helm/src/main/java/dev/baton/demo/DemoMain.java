package dev.baton.demo;

import dev.baton.e2e.LocalCluster;
import dev.baton.e2e.controlplane.ControlPlaneBinaries;
import dev.baton.e2e.node.ImageCatalog;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./demo}: Baton installed with its chart, and a pool upgraded under live queries. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Installs Baton with its Helm chart, applies examples/driverpool.yaml and examples/clientsession.yaml,",
        "runs client sessions through the pool's gateway, changes the driver image while they query, and",
        "prints what the clients saw. With no cluster given it runs on Baton's local cluster (a real",
        "kube-apiserver, etcd and controller-manager, and a local node that runs pods as processes; needs root)."})
public final class DemoMain implements Callable<Integer> {
  @Option(names = "--keep", description = "Leave the local cluster running afterwards (until Ctrl-C) and print how to reach it.")
  boolean keep;

  @Option(names = "--cluster", description = "Use the cluster of the current kubeconfig instead of the local one.")
  boolean cluster;

  @Option(names = "--image-repository", paramLabel = "REPO",
      description = "Where the baton-operator, baton-gateway and baton-driver images are (default: ${DEFAULT-VALUE}).",
      defaultValue = "ghcr.io/baton-dev")
  String imageRepository;

  @Option(names = "--driver-tags", paramLabel = "FROM,TO", split = ",", arity = "1",
      description = "Driver image tags before and after the upgrade (default: 0.1.0,0.2.0).")
  String[] driverTags = {"0.1.0", "0.2.0"};

  @Option(names = "--clients", description = "Client sessions querying through the upgrade (default: ${DEFAULT-VALUE}).",
      defaultValue = "4")
  int clients;

  @Option(names = "--repo", hidden = true, defaultValue = ".")
  Path repoRoot;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (driverTags.length != 2) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--driver-tags takes FROM,TO");
    }
    if (clients < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--clients must be at least 1");
    }
    DemoScenario.Options options = new DemoScenario.Options(repoRoot.toAbsolutePath().normalize(), imageRepository,
        driverTags[0], driverTags[1], clients, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(5));
    return cluster ? onCurrentCluster(options) : onLocalCluster(options);
  }

  private int onCurrentCluster(DemoScenario.Options options) throws Exception {
    Config config = Config.autoConfigure(null);
    String kubeconfig = System.getenv().getOrDefault("KUBECONFIG",
        Path.of(System.getProperty("user.home"), ".kube", "config").toString()).split(java.io.File.pathSeparator)[0];
    System.out.println("== cluster: " + config.getMasterUrl() + " (kubeconfig " + kubeconfig + ", context "
        + (config.getCurrentContext() == null ? "-" : config.getCurrentContext().getName()) + ")");
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        GatewayAccess access = GatewayAccess.portForward()) {
      DemoScenario.Report report = new DemoScenario(client, Path.of(kubeconfig), "kubectl", access, System.out)
          .run(options);
      return report.callsFailed() == 0 ? 0 : 1;
    }
  }

  private int onLocalCluster(DemoScenario.Options options) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      System.err.println("The local cluster needs root: each pod gets its own network namespace (ip netns).");
      System.err.println("Run ./demo as root, or ./demo --cluster against a cluster of your own.");
      return 2;
    }
    Path dir = options.repoRoot().resolve("target").resolve("demo-cluster");
    deleteRecursively(dir);
    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate();
    System.out.println("== starting the local cluster: kube-apiserver, etcd, kube-controller-manager " + binaries.version()
        + " and a local node (state in " + dir + ")");
    LocalCluster local = LocalCluster.start(dir, true, ImageCatalog.standard(), 1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread stopper = new Thread(() -> {
      local.close();
      stopped.countDown();
    }, "stop-local-cluster");
    Runtime.getRuntime().addShutdownHook(stopper);
    DemoScenario.Report report;
    try (GatewayAccess access = GatewayAccess.podAddresses(2)) {
      report = new DemoScenario(local.admin(), local.controlPlane().kubeconfig(),
          binaries.path("kubectl").toString(), access, System.out).run(options);
    }
    if (keep) {
      Path kubectl = binaries.path("kubectl");
      System.out.println();
      System.out.println("==== The local cluster is up ====");
      System.out.println("  export KUBECONFIG=" + local.controlPlane().kubeconfig());
      System.out.println("  alias kubectl=" + kubectl);
      System.out.println("  kubectl -n " + DemoScenario.NAMESPACE + " get driverpools,clientsessions,pods");
      System.out.println("What it cannot do that a real cluster can: it has no kube-proxy and no DNS, so a Service's");
      System.out.println("address and name lead nowhere; reach a pool through its gateway pods' addresses:");
      System.out.println("  kubectl -n " + DemoScenario.NAMESPACE + " get pods -l baton.dev/pool=" + DemoScenario.POOL
          + ",app.kubernetes.io/component=gateway -o wide   (port 15002)");
      System.out.println("No NetworkPolicy is enforced. Pod logs are files: " + local.nodes().get(0).logDir());
      System.out.println("Stop it with Ctrl-C here (or kill " + ProcessHandle.current().pid() + ").");
      stopped.await();
      return 0;
    }
    Runtime.getRuntime().removeShutdownHook(stopper);
    local.close();
    return report.callsFailed() == 0 ? 0 : 1;
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}

package dev.baton.demo;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.baton.api.PoolLabels;
import dev.baton.api.model.ClientSession;
import io.fabric8.kubernetes.api.model.Condition;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.RolloutStatus;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo's scenario, run by {@code ./demo} and by its test: install the chart with Helm,
 * apply the examples, open client sessions through the pool's gateway, change the driver image
 * while they query, and report what the clients saw.
 */
public final class DemoScenario {
  public static final String NAMESPACE = "baton-demo";
  public static final String POOL = "analytics";
  static final String RELEASE = "baton";
  static final String RELEASE_NAMESPACE = "baton-system";
  private static final Set<String> PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
      "ErrImageNeverPull");

  /**
   * @param repoRoot the Baton checkout (chart, examples)
   * @param imageRepository where the images are, e.g. {@code ghcr.io/baton-dev}
   * @param fromTag the driver tag the pool starts on; {@code toTag} the one it is upgraded to
   */
  public record Options(Path repoRoot, String imageRepository, String fromTag, String toTag, int clients,
      Duration before, Duration after) {
    public static Options defaults(Path repoRoot) {
      return new Options(repoRoot, "ghcr.io/baton-dev", "0.1.0", "0.2.0", 4, Duration.ofSeconds(5), Duration.ofSeconds(5));
    }
  }

  /** What happened, as the clients and the cluster saw it. */
  public record Report(int clients, long callsOk, long callsFailed, List<String> errors, int sessionsMoved,
      int sessions, Map<String, String> driverImagesAfter, String rolloutPhase) {}

  private final KubernetesClient admin;
  private final Path kubeconfig;
  private final Kubectl kubectl;
  private final GatewayAccess access;
  private final PrintStream out;

  public DemoScenario(KubernetesClient admin, Path kubeconfig, String kubectlBinary, GatewayAccess access,
      PrintStream out) {
    this.admin = admin;
    this.kubeconfig = kubeconfig;
    this.kubectl = new Kubectl(kubectlBinary, kubeconfig);
    this.access = access;
    this.out = out;
  }

  public Report run(Options o) throws Exception {
    installChart(o);
    DriverPool pool = applyExamples(o);
    step("waiting for pool " + POOL + " to be Available (kubectl wait --for=condition=Available driverpool/" + POOL + ")");
    awaitPool(p -> condition(p, "Available") && condition(p, "RolloutComplete"), Duration.ofMinutes(5), o);
    String token = clientToken();
    String target = access.target(admin, NAMESPACE, POOL);

    step("opening " + o.clients() + " client sessions through the pool's gateway (" + target + ")");
    List<Session> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < o.clients(); i++) {
        sessions.add(Baton.builder().target(target).token(token).connect());
      }
      awaitSessionsBound(o.clients() + 1);
      picture("Before the upgrade");
      Map<String, String> driversBefore = sessionDrivers();
      try (DemoWorkload load = new DemoWorkload(sessions)) {
        Thread.sleep(o.before().toMillis());
        String from = o.imageRepository() + "/baton-driver:" + o.fromTag();
        String to = o.imageRepository() + "/baton-driver:" + o.toTag();
        step("upgrading the drivers while the clients query: spec.driver.image " + from + " -> " + to);
        out.println("   kubectl patch driverpool " + POOL + " --type merge -p '{\"spec\":{\"driver\":{\"image\":\"" + to + "\"}}}'");
        long generation = admin.resources(DriverPool.class).inNamespace(NAMESPACE).withName(POOL)
            .edit(p -> {
              p.getSpec().getDriver().setImage(to);
              return p;
            }).getMetadata().getGeneration();
        DriverPool done = awaitRollout(generation, load, o);
        Thread.sleep(o.after().toMillis());
        load.close();
        Map<String, String> driversAfter = sessionDrivers();
        int moved = (int) driversBefore.entrySet().stream()
            .filter(e -> driversAfter.containsKey(e.getKey()) && !driversAfter.get(e.getKey()).equals(e.getValue()))
            .count();
        picture("After the upgrade");
        Report report = new Report(o.clients(), load.ok(), load.failed(), load.errors(), moved, driversBefore.size(), driverImages(),
            done.getStatus().getRollout() == null ? "?" : String.valueOf(done.getStatus().getRollout().getPhase()));
        summary(report, from, to);
        return report;
      }
    } finally {
      for (Session s : sessions) {
        try {
          s.close();
        } catch (RuntimeException e) {
          // the report already has what the clients saw
        }
      }
    }
  }

  private void installChart(Options o) throws Exception {
    Path chart = o.repoRoot().resolve("helm").resolve("baton");
    // upgrade --install: a second run on the same cluster finds the release there.
    step("installing Baton with Helm: helm upgrade --install " + RELEASE + " helm/baton -n " + RELEASE_NAMESPACE
        + " --create-namespace --set operator.image.repository=" + o.imageRepository() + "/baton-operator ...");
    Release release = new Helm(chart).upgrade().install().withName(RELEASE).withNamespace(RELEASE_NAMESPACE)
        .createNamespace()
        .withKubeConfig(kubeconfig).set("operator.image.repository", o.imageRepository() + "/baton-operator")
        .set("gateway.image.repository", o.imageRepository() + "/baton-gateway").call();
    StopSignals.reclaim();
    out.println("   release " + release.getName() + " revision " + release.getRevision() + ": " + release.getStatus());
    step("waiting for the operator (kubectl -n " + RELEASE_NAMESPACE + " rollout status deployment/baton-operator)");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (true) {
      Deployment d = admin.apps().deployments().inNamespace(RELEASE_NAMESPACE).withName("baton-operator").get();
      if (d != null && d.getStatus() != null && d.getStatus().getAvailableReplicas() != null
          && d.getStatus().getAvailableReplicas() >= 1) {
        break;
      }
      failOnPullErrors(RELEASE_NAMESPACE, Map.of("app.kubernetes.io/name", "baton-operator"), o);
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the operator did not become available in 5 minutes:\n"
            + kubectl.run("-n", RELEASE_NAMESPACE, "describe", "pods", "-l", "app.kubernetes.io/name=baton-operator"));
      }
      Thread.sleep(500);
    }
  }

  /** Nothing is published yet: an image that cannot be pulled ends the demo at once, saying so. */
  private void failOnPullErrors(String namespace, Map<String, String> labels, Options o) {
    for (Pod p : admin.pods().inNamespace(namespace).withLabels(labels).list().getItems()) {
      List<ContainerStatus> statuses = p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? List.of()
          : p.getStatus().getContainerStatuses();
      for (ContainerStatus c : statuses) {
        if (c.getState() != null && c.getState().getWaiting() != null
            && PULL_FAILURES.contains(c.getState().getWaiting().getReason())) {
          throw new IllegalStateException("pod " + namespace + "/" + p.getMetadata().getName() + " cannot pull image "
              + c.getImage() + " (" + c.getState().getWaiting().getReason() + "). Baton publishes no images yet: "
              + "build them from operator/, gateway/ and driver-image/Dockerfile, push them to a registry this cluster "
              + "pulls from, and pass it as --image-repository (now " + o.imageRepository() + ").");
        }
      }
    }
  }

  private DriverPool applyExamples(Options o) throws IOException {
    step("applying the examples in namespace " + NAMESPACE + ": examples/driverpool.yaml, examples/clientsession.yaml");
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
    DriverPool pool = read(o.repoRoot().resolve("examples").resolve("driverpool.yaml"), DriverPool.class);
    pool.getMetadata().setNamespace(NAMESPACE);
    pool.getSpec().getDriver().setImage(o.imageRepository() + "/baton-driver:" + o.fromTag());
    // The gateway image is the chart's (gateway.image), not the example's.
    pool.getSpec().getGateway().setImage(null);
    DriverPool applied = admin.resource(pool).forceConflicts().serverSideApply();
    ClientSession declared = read(o.repoRoot().resolve("examples").resolve("clientsession.yaml"), ClientSession.class);
    declared.getMetadata().setNamespace(NAMESPACE);
    admin.resource(declared).forceConflicts().serverSideApply();
    return applied;
  }

  private static <T> T read(Path file, Class<T> type) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Serialization.unmarshal(in, type);
    }
  }

  /** A ServiceAccount for the demo's clients and a token for it: the gateway checks it with TokenReview. */
  private String clientToken() {
    admin.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("demo-client").endMetadata().build()).serverSideApply();
    return admin.serviceAccounts().inNamespace(NAMESPACE).withName("demo-client").tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(3600L).endSpec().build()).getStatus().getToken();
  }

  private DriverPool awaitPool(java.util.function.Predicate<DriverPool> done, Duration timeout, Options o)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      DriverPool p = admin.resources(DriverPool.class).inNamespace(NAMESPACE).withName(POOL).get();
      if (p != null && p.getStatus() != null && Objects.equals(p.getStatus().getObservedGeneration(),
          p.getMetadata().getGeneration()) && done.test(p)) {
        return p;
      }
      failOnPullErrors(NAMESPACE, Map.of(PoolLabels.POOL, POOL), o);
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pool " + POOL + " was not Available in " + timeout.toMinutes() + " minutes:\n"
            + kubectl.run("-n", NAMESPACE, "describe", "driverpool", POOL));
      }
      Thread.sleep(500);
    }
  }

  private DriverPool awaitRollout(long generation, DemoWorkload load, Options o) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    String last = "";
    while (System.nanoTime() < deadline) {
      DriverPool p = admin.resources(DriverPool.class).inNamespace(NAMESPACE).withName(POOL).get();
      RolloutStatus r = p.getStatus() == null ? null : p.getStatus().getRollout();
      boolean observed = p.getStatus() != null && Objects.equals(p.getStatus().getObservedGeneration(), generation);
      String state = r == null || !observed ? "waiting for the operator"
          : String.format("rollout %s: %d/%d new drivers ready, %d sessions moved", r.getPhase(),
              nz(r.getDriversUpdated()), nz(r.getDriversTotal()), nz(r.getSessionsMoved()));
      if (!state.equals(last)) {
        out.printf("   %s | client calls so far: %d ok, %d failed%n", state, load.ok(), load.failed());
        last = state;
      }
      if (observed && condition(p, "RolloutComplete") && condition(p, "Available")) {
        return p;
      }
      failOnPullErrors(NAMESPACE, Map.of(PoolLabels.POOL, POOL), o);
      if (observed && r != null && r.getPhase() != null && r.getPhase().name().equals("Failed")) {
        throw new IllegalStateException("the rollout failed:\n" + kubectl.run("-n", NAMESPACE, "describe", "driverpool", POOL));
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException("the rollout did not complete in 10 minutes:\n"
        + kubectl.run("-n", NAMESPACE, "describe", "driverpool", POOL));
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  private static boolean condition(DriverPool p, String type) {
    for (Condition c : p.getStatus().getConditions()) {
      if (c.getType().equals(type)) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** Every session Bound, and the pool's status counting them, so the picture is settled. */
  private void awaitSessionsBound(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (sessionDrivers().size() < count || admin.resources(ClientSession.class).inNamespace(NAMESPACE).list()
        .getItems().stream().anyMatch(c -> c.getStatus() == null || c.getStatus().getPhase() == null
            || !c.getStatus().getPhase().name().equals("Bound"))
        || nz(admin.resources(DriverPool.class).inNamespace(NAMESPACE).withName(POOL).get().getStatus().getSessions())
            < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the sessions were not all Bound in 2 minutes:\n"
            + kubectl.run("-n", NAMESPACE, "get", "clientsessions"));
      }
      Thread.sleep(500);
    }
  }

  /** Session name -> the driver pod it is on. */
  private Map<String, String> sessionDrivers() {
    return admin.resources(ClientSession.class).inNamespace(NAMESPACE).list().getItems().stream()
        .filter(s -> s.getStatus() != null && s.getStatus().getDriverPod() != null)
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s.getStatus().getDriverPod(), (a, b) -> a,
            TreeMap::new));
  }

  /** Driver pod -> its image, for the pods still running. */
  private Map<String, String> driverImages() {
    return admin.pods().inNamespace(NAMESPACE).withLabels(PoolLabels.driverSelector(POOL)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getSpec().getContainers().get(0).getImage(),
            (a, b) -> a, TreeMap::new));
  }

  private void picture(String title) {
    out.println();
    out.println("---- " + title + " ----");
    out.println("$ kubectl -n " + NAMESPACE + " get driverpools,clientsessions");
    out.println(kubectl.run("-n", NAMESPACE, "get", "driverpools,clientsessions"));
    out.println("$ kubectl -n " + NAMESPACE + " get pods -o custom-columns=POD:.metadata.name,IMAGE:.spec.containers[0].image,PHASE:.status.phase");
    out.println(kubectl.run("-n", NAMESPACE, "get", "pods", "-o",
        "custom-columns=POD:.metadata.name,IMAGE:.spec.containers[0].image,PHASE:.status.phase"));
    out.println();
  }

  private void summary(Report r, String from, String to) {
    out.println("==== What happened ====");
    out.printf("The drivers of pool %s went from %s to %s while %d clients kept querying.%n", POOL, from, to,
        r.clients());
    out.printf("Client calls: %d ok, %d failed.%n", r.callsOk(), r.callsFailed());
    out.printf("Sessions moved to new drivers: %d of %d (%d opened by the clients, 1 declared), each keeping its id.%n",
        r.sessionsMoved(), r.sessions(), r.clients());
    if (r.callsFailed() == 0) {
      out.println("Every client's temporary table still held every row it had written: no state was lost.");
    }
    out.printf("Drivers now: %s%n", r.driverImagesAfter().values().stream().distinct().sorted().toList());
    if (!r.errors().isEmpty()) {
      out.println("First errors the clients saw:");
      r.errors().forEach(e -> out.println("  " + e));
    }
  }

  private void step(String what) {
    out.println("== " + what);
  }
}

package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.demo.DemoScenario;
import dev.baton.demo.GatewayAccess;
import dev.baton.e2e.controlplane.ControlPlaneBinaries;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * Tier 3: the images built from the project's Dockerfiles, imported into k3s, the chart
 * installed with Helm, and the demo's smoke scenario (pool Available, sessions through the
 * gateway, a driver image upgrade with no failed call). Runs wherever a Docker engine does;
 * elsewhere it is skipped, saying so.
 */
class K3sSmokeIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final String REPOSITORY = "baton.local";
  private static final String K3S_IMAGE = "rancher/k3s:v1.34.1-k3s1";

  /** Builds one image from a Dockerfile with only the files it copies as context. */
  private static String build(String name, String tag, String dockerfile, String jar, Map<String, String> args) {
    ImageFromDockerfile image = new ImageFromDockerfile(REPOSITORY + "/" + name + ":" + tag, false)
        .withFileFromPath(dockerfile, REPO.resolve(dockerfile)).withFileFromPath(jar, REPO.resolve(jar))
        .withDockerfilePath(dockerfile);
    args.forEach(image::withBuildArg);
    return image.get();
  }

  private static void importImage(K3sContainer k3s, String image) throws Exception {
    Path tar = Files.createTempFile("baton-image", ".tar");
    try (InputStream saved = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
      Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
    var result = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
    assertThat(result.getExitCode()).as("ctr images import %s: %s", image, result.getStderr()).isZero();
    Files.delete(tar);
  }

  @Test
  void theChartOnK3sServesSessionsThroughTheGatewayAndUpgradesDriversWithNoFailedCall() throws Exception {
    boolean docker = DockerClientFactory.instance().isDockerAvailable();
    String skipped = "K3sSmokeIT skipped: no Docker engine on this machine. The k3s suite (images built from the "
        + "Dockerfiles, helm install on k3s) runs unchanged wherever Docker runs.";
    if (!docker) {
      System.out.println(skipped); // the console says why, not only the report
    }
    assumeTrue(docker, skipped);

    String[] images = {
        build("baton-operator", "0.1.0", "operator/Dockerfile", "operator/target/baton-operator.jar", Map.of()),
        build("baton-gateway", "0.1.0", "gateway/Dockerfile", "gateway/target/baton-gateway.jar", Map.of()),
        build("baton-driver", "0.1.0", "driver-image/Dockerfile", "driver-image/target/baton-driver.jar",
            Map.of("VERSION", "0.1.0")),
        build("baton-driver", "0.2.0", "driver-image/Dockerfile", "driver-image/target/baton-driver.jar",
            Map.of("VERSION", "0.2.0"))};
    try (K3sContainer k3s = new K3sContainer(DockerImageName.parse(K3S_IMAGE))) {
      k3s.start();
      for (String image : images) {
        importImage(k3s, image);
      }
      Path kubeconfig = Files.createTempFile("k3s", ".kubeconfig");
      Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
      try (KubernetesClient client = new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();
          GatewayAccess access = GatewayAccess.portForward()) {
        DemoScenario.Report report = new DemoScenario(client, kubeconfig,
            ControlPlaneBinaries.locate().path("kubectl").toString(), access, System.out)
            .run(new DemoScenario.Options(REPO, REPOSITORY, "0.1.0", "0.2.0", 3, Duration.ofSeconds(3),
                Duration.ofSeconds(3)));

        assertThat(report.callsFailed()).as("failed calls; first errors: %s", report.errors()).isZero();
        assertThat(report.callsOk()).isPositive();
        assertThat(report.sessionsMoved()).isEqualTo(report.sessions());
        assertThat(report.driverImagesAfter().values()).containsOnly(REPOSITORY + "/baton-driver:0.2.0");
      }
    }
  }
}

package dev.baton.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.DriverPool;
import dev.baton.e2e.junit.KubeTestCluster;
import dev.baton.operator.pool.ControlTokens;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pool's token Secrets on the real API server, as a restarted operator finds them. */
class ControlTokensIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().build();
  private static final String NS = "tokens";

  @BeforeAll
  static void installCrds() throws Exception {
    cluster.installCrds(Path.of("..", "crds"));
    cluster.namespace(NS);
  }

  @Test
  void anOperatorRestartedBetweenARotationsTwoSecretWritesBringsTheSessionSecretInLine() throws Exception {
    cluster.apply("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: half, namespace: tokens}
        spec:
          driver: {image: registry.example/baton-driver:1.0.0}
        """);
    String before = "old-control-token-000000000000";
    String after = "new-control-token-111111111111";
    // The Switching step wrote the control Secret (current: the new token) and stopped there.
    cluster.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("half-control")
        .endMetadata().addToStringData("token", after).addToStringData("accepted", after + "," + before).build())
        .create();
    cluster.client().secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("half-session")
        .endMetadata().addToStringData("token", ControlTokens.sessionToken(before))
        .addToStringData("accepted", ControlTokens.sessionToken(after) + "," + ControlTokens.sessionToken(before))
        .build()).create();
    DriverPool pool = cluster.client().resources(DriverPool.class).inNamespace(NS).withName("half").get();

    assertThat(new ControlTokens(cluster.client()).ensure(pool)).isEqualTo(after);
    var session = cluster.client().secrets().inNamespace(NS).withName("half-session").get().getData();
    assertThat(decode(session.get("token"))).as("the session token of the current control token")
        .isEqualTo(ControlTokens.sessionToken(after));
    assertThat(decode(session.get("accepted"))).isEqualTo(ControlTokens.sessionToken(after) + ","
        + ControlTokens.sessionToken(before));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}

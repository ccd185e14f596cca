package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.e2e.junit.KubeTestCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Must show 3: RBAC is enforced by the real API server, for users and ServiceAccount tokens. */
class RbacIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().build();

  @Test
  void anIdentityWithoutAVerbIsRefused() {
    String ns = cluster.namespace("rbac");
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("settings").endMetadata().addToData("k", "v").build()).create();

    var nobody = cluster.clientAs("nobody");
    assertThatThrownBy(() -> nobody.configMaps().inNamespace(ns).withName("settings").get())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getMessage()).contains("forbidden").contains("nobody");
        });

    cluster.client().rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName("reader")
        .endMetadata().addNewRule().withApiGroups("").withResources("configmaps").withVerbs("get", "list").endRule()
        .build()).create();
    cluster.client().rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata()
        .withName("reader").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
        .withName("reader").endRoleRef().addNewSubject().withKind("User").withName("reader-user")
        .withApiGroup("rbac.authorization.k8s.io").endSubject().addNewSubject().withKind("ServiceAccount")
        .withName("app").withNamespace(ns).endSubject().build()).create();

    var reader = cluster.clientAs("reader-user");
    assertThat(reader.configMaps().inNamespace(ns).withName("settings").get().getData()).containsEntry("k", "v");
    assertThatThrownBy(() -> reader.configMaps().inNamespace(ns).withName("settings").delete())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("settings").get()).isNotNull();
  }

  @Test
  void serviceAccountTokensAuthenticateAndAreAuthorized() {
    String ns = cluster.namespace("rbac-sa");
    cluster.client().serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName("app").endMetadata().build()).create();
    String token = cluster.client().serviceAccounts().inNamespace(ns).withName("app")
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build())
        .getStatus().getToken();
    var asApp = cluster.clientWithToken(token);
    assertThatThrownBy(() -> asApp.pods().inNamespace(ns).list())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(403);
          assertThat(e.getMessage()).contains("system:serviceaccount:" + ns + ":app");
        });
    var forged = cluster.clientWithToken(token.substring(0, token.length() - 4) + "AAAA");
    assertThatThrownBy(() -> forged.pods().inNamespace(ns).list())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
  }
}

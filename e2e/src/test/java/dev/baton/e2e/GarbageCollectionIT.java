package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.junit.KubeTestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Must show 4: with kube-controller-manager, deleting an owner collects its dependents. */
class GarbageCollectionIT {
  @RegisterExtension
  static final KubeTestCluster cluster = KubeTestCluster.builder().withControllerManager().build();

  @Test
  void dependentsFollowTheirOwner() {
    String ns = cluster.namespace("gc");
    ConfigMap owner = cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("owner").endMetadata().build()).create();
    for (int i = 0; i < 3; i++) {
      cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
          .withName("dependent-" + i).addNewOwnerReference().withApiVersion("v1").withKind("ConfigMap")
          .withName("owner").withUid(owner.getMetadata().getUid()).endOwnerReference().endMetadata().build()).create();
    }
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("bystander").endMetadata().build()).create();

    cluster.client().configMaps().inNamespace(ns).withName("owner").delete();
    for (int i = 0; i < 3; i++) {
      cluster.client().configMaps().inNamespace(ns).withName("dependent-" + i)
          .waitUntilCondition(cm -> cm == null, 60, TimeUnit.SECONDS);
    }
    assertThat(cluster.client().configMaps().inNamespace(ns).withName("bystander").get()).isNotNull();
  }

  @Test
  void namespacesFinishDeleting() {
    String ns = cluster.namespace("gc-ns");
    cluster.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("inside").endMetadata().build()).create();
    cluster.client().namespaces().withName(ns).delete();
    cluster.client().namespaces().withName(ns).waitUntilCondition(n -> n == null, 90, TimeUnit.SECONDS);
    assertThat(cluster.client().namespaces().withName(ns).get()).isNull();
  }
}

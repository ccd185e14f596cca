package dev.baton.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class CachePruningTest {
  @Test
  void aCachedObjectLosesItsManagedFieldsAndKeepsEverythingElse() {
    Pod pod = new PodBuilder().withNewMetadata().withName("d").withNamespace("ns").addToLabels("baton.dev/pool", "p")
        .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "{}").withResourceVersion("7")
        .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("baton-operator").withOperation("Apply")
            .build())
        .endMetadata().withNewStatus().withPodIP("10.0.0.1").endStatus().build();

    var store = CachePruning.<Pod>withoutManagedFields();
    store.put(store.getKey(pod), pod);
    Pod cached = store.get(store.getKey(pod));

    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getLabels()).containsEntry("baton.dev/pool", "p");
    assertThat(cached.getMetadata().getAnnotations()).containsKey("kubectl.kubernetes.io/last-applied-configuration");
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(cached.getStatus().getPodIP()).isEqualTo("10.0.0.1");
  }
}

package dev.baton.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * What the operator's informers keep of each object: everything but {@code managedFields}, which
 * it never reads and which is a large part of each cached ClientSession and pod (an entry per
 * writer, with the fields it owns). With thousands of sessions that is heap the operator need not
 * hold. Writes are unaffected: a status patch or apply never sends managedFields, and an update
 * without them keeps the server's.
 */
public final class CachePruning {
  private CachePruning() {}

  public static <R extends HasMetadata> ItemStore<R> withoutManagedFields() {
    return new TransformingItemStore<>(CachePruning::prune);
  }

  static <R extends HasMetadata> R prune(R resource) {
    if (resource.getMetadata() != null) {
      resource.getMetadata().setManagedFields(null);
    }
    return resource;
  }
}

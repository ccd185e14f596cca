package dev.baton.operator.pool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Writes an owned object only when the operator's desired version differs from the one it last
 * wrote. The desired object's hash is stored in an annotation; an equal hash means nothing to do,
 * so a steady-state reconcile performs no write at all.
 */
public final class OwnedObjects {
  public static final String SPEC_HASH = "baton.dev/desired-hash";
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final KubernetesClient client;

  public OwnedObjects(KubernetesClient client) {
    this.client = client;
  }

  /** Applies {@code desired} (server-side apply) unless the live object already has its hash. */
  public <T extends HasMetadata> boolean ensure(T desired) {
    String hash = hash(desired);
    desired.getMetadata().getAnnotations().put(SPEC_HASH, hash);
    HasMetadata live = client.resource(desired).get();
    if (live != null && live.getMetadata().getAnnotations() != null
        && hash.equals(live.getMetadata().getAnnotations().get(SPEC_HASH))) {
      return false;
    }
    client.resource(desired).forceConflicts().serverSideApply();
    return true;
  }

  static String hash(HasMetadata desired) {
    try {
      var annotations = desired.getMetadata().getAnnotations();
      if (annotations == null) {
        desired.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      desired.getMetadata().getAnnotations().remove(SPEC_HASH);
      byte[] json = MAPPER.writeValueAsBytes(desired);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
    } catch (Exception e) {
      throw new IllegalStateException("cannot hash " + desired.getKind(), e);
    }
  }
}

package dev.baton.operator.pool;

import dev.baton.operator.model.DriverPool;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-pool shared secret that drivers demand of every caller ({@code baton-control-token}).
 * It lives in Secret {@code <pool>-control}, created once by the operator with 32 random bytes
 * and owned by the pool; drivers and the gateway get it as {@code BATON_CONTROL_TOKEN}, the
 * operator reads it here. A shared secret rather than mTLS: it needs no certificate authority in
 * the cluster, and a pool's token is worthless for any other pool.
 *
 * <p>The token is read once per operator process. Rotating it means replacing the pool's
 * drivers too (they read it at start), so deleting the Secret by hand is not a rotation.
 */
public final class ControlTokens {
  public static final String KEY = "token";
  public static final Metadata.Key<String> HEADER =
      Metadata.Key.of("baton-control-token", Metadata.ASCII_STRING_MARSHALLER);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final Map<String, String> cache = new ConcurrentHashMap<>();

  public ControlTokens(KubernetesClient client) {
    this.client = client;
  }

  public static String secretName(String pool) {
    return pool + "-control";
  }

  /** Makes sure the pool's Secret exists (one read the first time, none after); its token. */
  public String ensure(DriverPool pool) {
    String ns = pool.getMetadata().getNamespace();
    String name = pool.getMetadata().getName();
    String known = cache.get(key(ns, name));
    if (known != null) {
      return known;
    }
    Secret live = client.secrets().inNamespace(ns).withName(secretName(name)).get();
    if (live == null) {
      byte[] bytes = new byte[32];
      RANDOM.nextBytes(bytes);
      Secret wanted = new SecretBuilder().withNewMetadata().withName(secretName(name)).withNamespace(ns)
          .addToLabels(PoolLabels.POOL, name).addToLabels(PoolLabels.COMPONENT, "control")
          .addToLabels(PoolLabels.MANAGED_BY, PoolLabels.OPERATOR)
          .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
          .withType("Opaque")
          .addToStringData(KEY, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)).build();
      try {
        live = client.secrets().inNamespace(ns).resource(wanted).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        live = client.secrets().inNamespace(ns).withName(secretName(name)).get();
      }
    }
    String token = decode(live);
    cache.put(key(ns, name), token);
    return token;
  }

  /** The pool's token; reads the Secret when not known yet. */
  public String token(String namespace, String pool) {
    return cache.computeIfAbsent(key(namespace, pool), k -> {
      Secret s = client.secrets().inNamespace(namespace).withName(secretName(pool)).get();
      if (s == null) {
        throw new IllegalStateException("Secret " + namespace + "/" + secretName(pool)
            + " (the pool's control token) does not exist yet");
      }
      return decode(s);
    });
  }

  /** The stub, sending {@code token} with every call. */
  public static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    Metadata h = new Metadata();
    h.put(HEADER, token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** Forgets a pool's token (its Secret was deleted or replaced). */
  public void forget(String namespace, String pool) {
    cache.remove(key(namespace, pool));
  }

  private static String decode(Secret s) {
    if (s.getData() != null && s.getData().containsKey(KEY)) {
      return new String(Base64.getDecoder().decode(s.getData().get(KEY)), StandardCharsets.UTF_8);
    }
    if (s.getStringData() != null && s.getStringData().containsKey(KEY)) {
      return s.getStringData().get(KEY);
    }
    throw new IllegalStateException("Secret " + s.getMetadata().getName() + " has no key " + KEY);
  }

  private static String key(String ns, String pool) {
    return ns + "/" + pool;
  }
}

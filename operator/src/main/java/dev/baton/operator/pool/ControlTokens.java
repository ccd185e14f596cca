package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;

import dev.baton.api.model.DriverPool;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-pool shared secrets drivers demand of their callers, each in a Secret created once by
 * the operator and owned by the pool (key {@code token}):
 * <ul>
 *   <li>{@code <pool>-control}, the control token ({@code baton-control-token}): opens
 *       DriverControl (export, import, drain). Only the operator and the drivers have it.
 *   <li>{@code <pool>-session}, the session token ({@code baton-session-token}): opens the session
 *       API. The pool's gateway has it too. It is an HMAC of the control token, so the operator
 *       reads only one value, and holding it tells nothing about the control token.
 * </ul>
 * Shared secrets rather than mTLS: they need no certificate authority in the cluster, and a
 * pool's tokens are worthless for any other pool.
 *
 * <p>The tokens are read once per operator process and changed only by a rotation
 * ({@link TokenRotator}): during one, key {@code accepted} of each Secret lists every token the
 * drivers accept, newest first, and new driver pods read it at start. Deleting a Secret by hand is
 * not a rotation.
 */
public final class ControlTokens {
  public static final String KEY = "token";
  /** During a rotation: every token drivers accept, comma-separated, newest first. */
  public static final String ACCEPTED_KEY = "accepted";
  public static final Metadata.Key<String> HEADER =
      dev.baton.proto.v1.Headers.CONTROL_TOKEN;
  public static final Metadata.Key<String> SESSION_HEADER =
      dev.baton.proto.v1.Headers.SESSION_TOKEN;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final Map<String, String> cache = new ConcurrentHashMap<>();

  public ControlTokens(KubernetesClient client) {
    this.client = client;
  }

  public static String secretName(String pool) {
    return pool + "-control";
  }

  /** The Secret holding the pool's session token (key {@code token}), given to its gateway. */
  public static String sessionSecretName(String pool) {
    return pool + "-session";
  }

  /** Makes sure the pool's Secrets exist (reads the first time, none after); its control token. */
  public String ensure(DriverPool pool) {
    String ns = pool.getMetadata().getNamespace();
    String name = pool.getMetadata().getName();
    String known = cache.get(key(ns, name));
    if (known != null) {
      return known;
    }
    Secret control = createOnce(pool, secretName(name), "control", newToken());
    String token = decode(control);
    String session = sessionToken(token);
    // Pools made before the session token existed get its Secret now.
    if (!session.equals(decode(createOnce(pool, sessionSecretName(name), "session", session)))) {
      String accepted = value(control, ACCEPTED_KEY);
      if (accepted == null) {
        throw new IllegalStateException("Secret " + ns + "/" + sessionSecretName(name) + " does not hold the session "
            + "token that goes with " + secretName(name) + "; delete it and the operator creates it again");
      }
      // A rotation wrote the control Secret and stopped before the session Secret (an operator
      // restart between the two writes): the control Secret is the truth; bring the other in line.
      write(ns, name, token, Arrays.stream(accepted.split(",")).filter(t -> !t.isBlank()).toList());
    }
    cache.put(key(ns, name), token);
    return token;
  }

  /** A fresh random control token. */
  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The control tokens drivers accept during a rotation, newest first (empty outside one). */
  public List<String> accepted(String namespace, String pool) {
    Secret s = client.secrets().inNamespace(namespace).withName(secretName(pool)).get();
    if (s == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + secretName(pool) + " does not exist");
    }
    String list = value(s, ACCEPTED_KEY);
    return list == null ? List.of() : Arrays.stream(list.split(",")).filter(t -> !t.isBlank()).toList();
  }

  /**
   * Writes both Secrets of a pool: {@code current} as the control token (and its session token),
   * and {@code accepted} (newest first) as the tokens drivers accept, or no list when empty. The
   * control Secret first, so the session Secret always follows it. Then remembers {@code current}.
   */
  public void write(String namespace, String pool, String current, List<String> accepted) {
    writeOne(namespace, secretName(pool), current, accepted);
    writeOne(namespace, sessionSecretName(pool), sessionToken(current),
        accepted.stream().map(ControlTokens::sessionToken).toList());
    cache.put(key(namespace, pool), current);
  }

  private void writeOne(String namespace, String secret, String token, List<String> accepted) {
    client.secrets().inNamespace(namespace).withName(secret).edit(s -> {
      Map<String, String> data = s.getData() == null ? new java.util.HashMap<>() : new java.util.HashMap<>(s.getData());
      data.put(KEY, base64(token));
      if (accepted.isEmpty()) {
        data.remove(ACCEPTED_KEY);
      } else {
        data.put(ACCEPTED_KEY, base64(String.join(",", accepted)));
      }
      s.setData(data);
      s.setStringData(null);
      return s;
    });
  }

  private static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /** The Secret as it is, or as created now with {@code token} when it did not exist. */
  private Secret createOnce(DriverPool pool, String secret, String component, String token) {
    String ns = pool.getMetadata().getNamespace();
    Secret live = client.secrets().inNamespace(ns).withName(secret).get();
    if (live != null) {
      return live;
    }
    Secret wanted = new SecretBuilder().withNewMetadata().withName(secret).withNamespace(ns)
        .addToLabels(PoolLabels.POOL, pool.getMetadata().getName()).addToLabels(PoolLabels.COMPONENT, component)
        .addToLabels(PoolLabels.MANAGED_BY, PoolLabels.OPERATOR)
        .withOwnerReferences(PoolObjects.owner(pool)).endMetadata()
        .withType("Opaque").addToStringData(KEY, token).build();
    try {
      return client.secrets().inNamespace(ns).resource(wanted).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return client.secrets().inNamespace(ns).withName(secret).get();
    }
  }

  /** The session-API token that goes with a control token (HMAC-SHA256, URL-safe base64). */
  public static String sessionToken(String controlToken) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(controlToken.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          mac.doFinal("baton.v1.SessionService".getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
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

  /** The DriverControl stub, sending the control {@code token} with every call. */
  public static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    Metadata h = new Metadata();
    h.put(HEADER, token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** The session-API stub, sending the session token that goes with {@code controlToken}. */
  public static <S extends AbstractStub<S>> S withSessionToken(S stub, String controlToken) {
    Metadata h = new Metadata();
    h.put(SESSION_HEADER, sessionToken(controlToken));
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** Forgets a pool's token (its Secret was deleted or replaced). */
  public void forget(String namespace, String pool) {
    cache.remove(key(namespace, pool));
  }

  private static String decode(Secret s) {
    String token = value(s, KEY);
    if (token == null) {
      throw new IllegalStateException("Secret " + s.getMetadata().getName() + " has no key " + KEY);
    }
    return token;
  }

  private static String value(Secret s, String key) {
    if (s.getData() != null && s.getData().containsKey(key)) {
      return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }
    if (s.getStringData() != null && s.getStringData().containsKey(key)) {
      return s.getStringData().get(key);
    }
    return null;
  }

  private static String key(String ns, String pool) {
    return ns + "/" + pool;
  }
}

package dev.baton.gateway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a caller's bearer token into a principal. Two sources, tried in order: static tokens
 * from a Secret (key = principal, value = token), and Kubernetes ServiceAccount (or any
 * apiserver-accepted) tokens checked with TokenReview, cached briefly so a busy client costs
 * one review per cache period.
 */
public final class Authenticator implements CallerAuthenticator {
  private final KubernetesClient client;
  private final String secretNamespace;
  private final String secretName;
  private final Duration cacheFor;
  private final Map<String, Cached> reviewed = new ConcurrentHashMap<>();

  private record Cached(Optional<String> principal, long until) {}

  /**
   * @param secretNamespace namespace of the static token Secret (null: no static tokens)
   * @param secretName its name
   */
  public Authenticator(KubernetesClient client, String secretNamespace, String secretName, Duration cacheFor) {
    this.client = client;
    this.secretNamespace = secretNamespace;
    this.secretName = secretName;
    this.cacheFor = cacheFor;
  }

  /** The principal the token proves, or empty when it proves nothing. */
  @Override
  public Optional<String> principal(String token) {
    if (token == null || token.isBlank()) {
      return Optional.empty();
    }
    String key = digest(token);
    Cached c = reviewed.get(key);
    if (c != null && c.until() > System.nanoTime()) {
      return c.principal();
    }
    Optional<String> principal = staticToken(token).or(() -> review(token));
    reviewed.put(key, new Cached(principal, System.nanoTime() + cacheFor.toNanos()));
    return principal;
  }

  private Optional<String> staticToken(String token) {
    if (secretName == null) {
      return Optional.empty();
    }
    Secret secret = client.secrets().inNamespace(secretNamespace).withName(secretName).get();
    if (secret == null || secret.getData() == null) {
      return Optional.empty();
    }
    byte[] offered = token.getBytes(StandardCharsets.UTF_8);
    for (var e : secret.getData().entrySet()) {
      byte[] known = Base64.getDecoder().decode(e.getValue());
      if (MessageDigest.isEqual(known, offered)) {
        return Optional.of(e.getKey());
      }
    }
    return Optional.empty();
  }

  private Optional<String> review(String token) {
    try {
      TokenReview review = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
          .withNewSpec().withToken(token).endSpec().build());
      if (review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAuthenticated())) {
        return Optional.of(review.getStatus().getUser().getUsername());
      }
      return Optional.empty();
    } catch (KubernetesClientException e) {
      return Optional.empty();
    }
  }

  private static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

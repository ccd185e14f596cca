package dev.baton.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Turns a caller's bearer token into a principal. Two sources, tried in order: static tokens
 * from a Secret (key = name, value = token; the principal is {@code token:<name>}, so a static
 * token never passes for the API server's user of the same name), and Kubernetes ServiceAccount
 * (or any apiserver-accepted) tokens checked with TokenReview.
 *
 * <p>Answers are cached by the token's digest in a bounded cache (least recently used entries
 * go first), so a busy client costs one review per cache period and a flood of random tokens
 * cannot grow the gateway's memory. Only answers are cached: when the API server cannot be
 * asked (a transient error), the call fails UNAVAILABLE, which clients retry, and the next call
 * asks again instead of being denied for the cache period.
 */
public final class Authenticator implements CallerAuthenticator {
  /** Principals proven by a static token are {@code token:<key>}. */
  public static final String STATIC_PREFIX = "token:";
  /** Distinct tokens remembered at once. */
  static final long MAX_CACHED_TOKENS = 10_000;

  private final KubernetesClient client;
  private final String secretNamespace;
  private final String secretName;
  private final List<String> audiences;
  private final Cache<String, Optional<String>> reviewed;

  /**
   * @param secretNamespace namespace of the static token Secret (null: no static tokens)
   * @param secretName its name
   * @param audiences audiences a reviewed token must be valid for (empty: the API server's own)
   */
  public Authenticator(KubernetesClient client, String secretNamespace, String secretName, Duration cacheFor,
      List<String> audiences) {
    this(client, secretNamespace, secretName, cacheFor, audiences, MAX_CACHED_TOKENS);
  }

  Authenticator(KubernetesClient client, String secretNamespace, String secretName, Duration cacheFor,
      List<String> audiences, long maxCachedTokens) {
    this.client = client;
    this.secretNamespace = secretNamespace;
    this.secretName = secretName;
    this.audiences = List.copyOf(audiences);
    // Same-thread maintenance: the bound holds when cachedTokens() is read, not some time later.
    this.reviewed = Caffeine.newBuilder().maximumSize(maxCachedTokens).expireAfterWrite(cacheFor)
        .executor(Runnable::run).build();
  }

  public Authenticator(KubernetesClient client, String secretNamespace, String secretName, Duration cacheFor) {
    this(client, secretNamespace, secretName, cacheFor, List.of());
  }

  /**
   * The principal the token proves, or empty when it proves nothing.
   *
   * @throws io.grpc.StatusRuntimeException UNAVAILABLE when the API server cannot be asked now
   */
  @Override
  public Optional<String> principal(String token) {
    if (token == null || token.isBlank()) {
      return Optional.empty();
    }
    String key = digest(token);
    Optional<String> known = reviewed.getIfPresent(key);
    if (known != null) {
      return known;
    }
    // Looked up outside the cache's lock: a slow API server never blocks other tokens' look-ups.
    Optional<String> answer = lookUp(token);
    reviewed.put(key, answer);
    return answer;
  }

  /** Entries cached now (for tests of the bound). */
  long cachedTokens() {
    reviewed.cleanUp();
    return reviewed.estimatedSize();
  }

  private Optional<String> lookUp(String token) {
    try {
      return staticToken(token).or(() -> review(token));
    } catch (KubernetesClientException e) {
      throw Status.UNAVAILABLE.withDescription("cannot check the token now (the Kubernetes API answered "
          + e.getCode() + "); retry").asRuntimeException();
    }
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
        return Optional.of(STATIC_PREFIX + e.getKey());
      }
    }
    return Optional.empty();
  }

  private Optional<String> review(String token) {
    TokenReview review = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
        .withNewSpec().withToken(token).withAudiences(audiences).endSpec().build());
    var status = review.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
      return Optional.empty();
    }
    if (!audiences.isEmpty() && (status.getAudiences() == null
        || status.getAudiences().stream().noneMatch(audiences::contains))) {
      return Optional.empty();
    }
    return Optional.of(status.getUser().getUsername());
  }

  private static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

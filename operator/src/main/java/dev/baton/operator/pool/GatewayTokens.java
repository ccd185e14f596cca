package dev.baton.operator.pool;

import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which session token each of a pool's gateway pods sends, read from its metrics
 * ({@code baton_gateway_session_token}, a fingerprint, never the token): a rotation drops
 * the old token only once every gateway sends the new one.
 */
final class GatewayTokens {
  private static final Pattern INFO = Pattern.compile("baton_gateway_session_token\\{[^}]*sha256_prefix=\"([0-9a-f]+)\"");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** By ready gateway pod: the fingerprint it publishes, or empty when it cannot be read. */
  Map<String, Optional<String>> read(Iterable<Pod> gateways) {
    Map<String, Optional<String>> out = new LinkedHashMap<>();
    for (Pod pod : gateways) {
      if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
          || pod.getStatus().getPodIP() == null || !ready(pod)) {
        continue;
      }
      out.put(pod.getMetadata().getName(), fingerprint(pod.getStatus().getPodIP()));
    }
    return out;
  }

  private Optional<String> fingerprint(String ip) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":"
          + GatewayObjects.HEALTH_PORT + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = INFO.matcher(r.body());
      return r.statusCode() == 200 && m.find() ? Optional.of(m.group(1)) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}

package dev.baton.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthEndpointsTest {
  private static HttpResponse<String> get(HealthEndpoints h, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.port() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessFollowsWhatTheProcessReportsWhileLivenessStaysUp() throws Exception {
    AtomicBoolean synced = new AtomicBoolean(false);
    try (HealthEndpoints h = HealthEndpoints.start(0, synced::get, "caches not synced yet", () -> "up 1\n")) {
      assertThat(get(h, "/readyz").statusCode()).isEqualTo(503);
      assertThat(get(h, "/readyz").body()).isEqualTo("caches not synced yet");
      assertThat(get(h, "/healthz").statusCode()).isEqualTo(200);
      synced.set(true);
      assertThat(get(h, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(h, "/metrics").body()).isEqualTo("up 1\n");
    }
  }
}

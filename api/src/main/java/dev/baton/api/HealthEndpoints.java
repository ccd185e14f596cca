package dev.baton.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The HTTP endpoints the kubelet and Prometheus read, shared by the operator and the gateway:
 * {@code /healthz} (the process is up), {@code /readyz} (200 only while {@code ready} says so,
 * 503 with {@code notReady} otherwise) and {@code /metrics} (Prometheus text).
 */
public final class HealthEndpoints implements AutoCloseable {
  private final HttpServer server;

  private HealthEndpoints(HttpServer server) {
    this.server = server;
  }

  public static HealthEndpoints start(int port, BooleanSupplier ready, String notReady, Supplier<String> metrics)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> reply(ex, 200, "ok"));
    server.createContext("/readyz", ex -> {
      if (ready.getAsBoolean()) {
        reply(ex, 200, "ok");
      } else {
        reply(ex, 503, notReady);
      }
    });
    server.createContext("/metrics", ex -> reply(ex, 200, metrics.get()));
    server.start();
    return new HealthEndpoints(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

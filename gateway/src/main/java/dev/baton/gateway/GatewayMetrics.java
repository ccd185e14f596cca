package dev.baton.gateway;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's Prometheus metrics: calls by method and code, call latency, open calls, bytes
 * proxied each way, and calls held while their session is being moved.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger open = registry.gauge("baton_gateway_open_calls", new AtomicInteger());
  private final AtomicInteger held = registry.gauge("baton_gateway_held_calls", new AtomicInteger());
  private final Counter bytesToDrivers = Counter.builder("baton_gateway_bytes").tag("direction", "to_driver")
      .description("Bytes of messages proxied").register(registry);
  private final Counter bytesToClients = Counter.builder("baton_gateway_bytes").tag("direction", "to_client")
      .description("Bytes of messages proxied").register(registry);

  /**
   * Methods recorded under their own name. A caller, authenticated or not, chooses the method
   * name of its call: any other is recorded as "other", so no one can add series without bound.
   */
  static final java.util.List<String> SPARK_METHODS = java.util.List.of("ExecutePlan", "AnalyzePlan", "Config",
      "AddArtifacts", "ArtifactStatus", "Interrupt", "ReattachExecute", "ReleaseExecute", "ReleaseSession",
      "FetchErrorDetails", "CloneSession", "GetStatus");
  private static final java.util.Set<String> KNOWN_METHODS = knownMethods();

  private static java.util.Set<String> knownMethods() {
    java.util.Set<String> known = new java.util.HashSet<>(java.util.List.of(
        "grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"));
    dev.baton.proto.v1.SessionServiceGrpc.getServiceDescriptor().getMethods()
        .forEach(m -> known.add(m.getFullMethodName()));
    // The gateway carries Spark Connect's messages without their classes; a test checks this list.
    for (String m : SPARK_METHODS) {
      known.add(SparkRequests.SERVICE + "/" + m);
    }
    return java.util.Set.copyOf(known);
  }

  /** The method tag of a call: its name if it is one the gateway forwards, else "other". */
  static String methodTag(String fullMethodName) {
    return KNOWN_METHODS.contains(fullMethodName) ? fullMethodName : "other";
  }

  /**
   * Wraps a call so its outcome, duration and response bytes are recorded. Called within the
   * call's gRPC context: a call the client cancels before the gateway closes it (it may never close
   * it then) stops counting as open when that context ends.
   */
  ServerCall<byte[], byte[]> track(ServerCall<byte[], byte[]> call) {
    String method = methodTag(call.getMethodDescriptor().getFullMethodName());
    long start = System.nanoTime();
    open.incrementAndGet();
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable end = () -> {
      if (ended.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    };
    io.grpc.Context.current().addListener(context -> end.run(), Runnable::run);
    return new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(byte[] message) {
        bytesToClients.increment(message.length);
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        end.run();
        registry.counter("baton_gateway_calls", "method", method, "code", status.getCode().name()).increment();
        Timer.builder("baton_gateway_call_seconds").tag("method", method).publishPercentileHistogram()
            .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        super.close(status, trailers);
      }
    };
  }

  /** A call refused before routing (a service not forwarded, the gateway full), by code only. */
  void refused(Status.Code code) {
    registry.counter("baton_gateway_refused_calls", "code", code.name()).increment();
  }

  void requestBytes(int bytes) {
    bytesToDrivers.increment(bytes);
  }

  /** Counts client connections: opened in total, and open now. */
  io.grpc.ServerTransportFilter connections() {
    Counter accepted = Counter.builder("baton_gateway_connections_accepted")
        .description("Client connections accepted").register(registry);
    AtomicInteger live = registry.gauge("baton_gateway_connections", new AtomicInteger());
    return new io.grpc.ServerTransportFilter() {
      @Override
      public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
        accepted.increment();
        live.incrementAndGet();
        return attributes;
      }

      @Override
      public void transportTerminated(io.grpc.Attributes attributes) {
        live.decrementAndGet();
      }
    };
  }

  private final Counter resent = Counter.builder("baton_gateway_calls_resent")
      .description("Calls sent again to a session's new driver after the old one said the session is moving or moved")
      .register(registry);

  void resent() {
    resent.increment();
  }

  void holding(boolean started) {
    if (started) {
      held.incrementAndGet();
    } else {
      held.decrementAndGet();
    }
  }

  private io.micrometer.core.instrument.Gauge sessionToken;

  /**
   * Publishes which session token this gateway sends to drivers, as {@code
   * baton_gateway_session_token{sha256_prefix="..."} 1}: during a rotation the operator drops
   * the old token only once every gateway shows the new one.
   */
  synchronized void sessionTokenInUse(String fingerprint) {
    if (sessionToken != null) {
      registry.remove(sessionToken);
    }
    sessionToken = io.micrometer.core.instrument.Gauge.builder("baton_gateway_session_token", () -> 1)
        .tag("sha256_prefix", fingerprint).description("The session token this gateway sends (a prefix of its SHA-256)")
        .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }
}

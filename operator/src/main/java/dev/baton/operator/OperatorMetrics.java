package dev.baton.operator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics. Reconcile counts and durations by controller and outcome
 * come from java-operator-sdk's Micrometer support; Baton adds {@code baton_drivers} (by pool,
 * revision and state) and {@code baton_sessions} (by pool and phase).
 */
public final class OperatorMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** (namespace, pool, revision, state) -> drivers. */
  private final Map<List<String>, Integer> drivers = new ConcurrentHashMap<>();
  /** namespace/name of a session -> (namespace, pool, phase). */
  private final Map<String, List<String>> sessions = new ConcurrentHashMap<>();

  public MeterRegistry registry() {
    return registry;
  }

  /** Replaces the driver counts of one pool. */
  public void drivers(String namespace, String pool, Map<List<String>, Integer> byRevisionAndState) {
    drivers.replaceAll((key, value) -> key.get(0).equals(namespace) && key.get(1).equals(pool) ? 0 : value);
    for (var e : byRevisionAndState.entrySet()) {
      List<String> key = List.of(namespace, pool, e.getKey().get(0), e.getKey().get(1));
      if (drivers.put(key, e.getValue()) == null) {
        Gauge.builder("baton_drivers", drivers, m -> m.getOrDefault(key, 0))
            .description("Driver pods by pool, revision and state")
            .tags("namespace", namespace, "pool", pool, "revision", key.get(2), "state", key.get(3))
            .register(registry);
      }
    }
  }

  /** Records a session's phase (null when the session is gone). */
  public void session(String namespace, String name, String pool, String phase) {
    String id = namespace + "/" + name;
    if (phase == null) {
      sessions.remove(id);
      return;
    }
    List<String> key = List.of(namespace, pool, phase);
    sessions.put(id, key);
    Gauge.builder("baton_sessions", sessions, m -> m.values().stream().filter(key::equals).count())
        .description("ClientSessions by pool and phase")
        .tags("namespace", namespace, "pool", pool, "phase", phase)
        .register(registry);
  }

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }
}

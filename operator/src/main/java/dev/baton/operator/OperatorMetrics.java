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
 * revision and state), {@code baton_sessions} (by pool and phase) and {@code baton_rollout_phase}.
 */
public final class OperatorMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** (namespace, pool, revision, state) -> drivers. */
  private final Map<List<String>, Integer> drivers = new ConcurrentHashMap<>();
  /** namespace/name of a session -> (namespace, pool, phase). */
  private final Map<String, List<String>> sessions = new ConcurrentHashMap<>();
  /** (namespace, pool) -> rollout phase. */
  private final Map<List<String>, String> rollouts = new ConcurrentHashMap<>();
  private static final List<String> ROLLOUT_PHASES = java.util.Arrays.stream(dev.baton.api.model.RolloutPhase.values())
      .map(Enum::name).toList();

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

  /**
   * Records the phase of a pool's rollout ({@code baton_rollout_phase}: 1 for the phase it is
   * in, 0 for the others; null when the pool has no rollout or is gone). The chart's alert on a
   * stuck rollout watches {@code phase="Failed"}.
   */
  public void rolloutPhase(String namespace, String pool, String phase) {
    List<String> key = List.of(namespace, pool);
    if (phase == null) {
      rollouts.remove(key);
      return;
    }
    if (rollouts.put(key, phase) == null) {
      for (String p : ROLLOUT_PHASES) {
        Gauge.builder("baton_rollout_phase", rollouts, m -> p.equals(m.get(key)) ? 1 : 0)
            .description("1 for the phase a pool's rollout is in")
            .tags("namespace", namespace, "pool", pool, "phase", p).register(registry);
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

  /**
   * Registers a pool's move counters at 0, so the first loss shows as an increase (a counter
   * that appears at 1 has no increase for an alert to see).
   */
  public void pool(String namespace, String pool) {
    for (String result : List.of("moved", "aborted", "lost")) {
      io.micrometer.core.instrument.Counter.builder("baton_session_moves_total")
          .description("Session moves by outcome: moved, aborted (old copy unfrozen), lost (re-opened from declared state)")
          .tags("namespace", namespace, "pool", pool, "result", result).register(registry);
    }
  }

  /**
   * Counts one finished or ended move: {@code moved}, {@code aborted}, {@code lost}
   * ({@code baton_session_moves_total}), and how long its freeze lasted when it moved
   * ({@code baton_session_move_freeze_seconds}).
   */
  public void move(String namespace, String pool, String result, java.time.Duration frozen) {
    io.micrometer.core.instrument.Counter.builder("baton_session_moves_total")
        .description("Session moves by outcome: moved, aborted (old copy unfrozen), lost (re-opened from declared state)")
        .tags("namespace", namespace, "pool", pool, "result", result).register(registry).increment();
    if (frozen != null) {
      io.micrometer.core.instrument.Timer.builder("baton_session_move_freeze")
          .description("How long a moved session was frozen (export, import, bind)")
          .tags("namespace", namespace, "pool", pool).register(registry).record(frozen);
    }
  }

  /** Counts operations stopped because their session had to move at drainTimeout. */
  public void operationsStoppedForMove(String namespace, String pool, int count) {
    io.micrometer.core.instrument.Counter.builder("baton_operations_stopped_for_move_total")
        .description("Operations still running at the pool's drainTimeout, stopped so their session could move")
        .tags("namespace", namespace, "pool", pool).register(registry).increment(count);
  }

  /** One call the operator made to a driver ({@code method}: the gRPC method's name, e.g. Status). */
  public void driverCall(String method) {
    driverCalls.computeIfAbsent(method, m -> io.micrometer.core.instrument.Counter
        .builder("baton_operator_driver_calls_total").description("Calls the operator made to drivers, by gRPC method")
        .tags("method", m).register(registry)).increment();
  }

  private final Map<String, io.micrometer.core.instrument.Counter> driverCalls =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The Prometheus text exposition of every metric. */
  public String scrape() {
    return registry.scrape();
  }
}

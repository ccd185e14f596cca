package dev.baton.driver.session;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A session's configuration: engine keys, fixed when the session opens, and free-form user keys
 * ({@code user.*}). Immutable; changes produce a new instance. Validation errors are
 * {@link IllegalArgumentException}s whose message names the key.
 */
public final class SessionConfig {
  public static final String MEMORY_LIMIT = "memory_limit";
  public static final String THREADS = "threads";
  public static final String OPERATION_TIMEOUT = "operation_timeout";
  public static final String RESULT_BUFFER_BYTES = "result_buffer_bytes";
  public static final String SPILL_LIMIT = "spill_limit";
  public static final Set<String> ENGINE_KEYS =
      Set.of(MEMORY_LIMIT, THREADS, OPERATION_TIMEOUT, RESULT_BUFFER_BYTES, SPILL_LIMIT);
  public static final String USER_PREFIX = "user.";
  private static final int MAX_USER_KEYS = 256;
  private static final int MAX_VALUE_LENGTH = 4096;

  private final Map<String, String> values;

  private SessionConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /**
   * The configuration of a new session: the driver's defaults overlaid with what the client asked
   * for, each engine value checked against the driver's ceiling.
   */
  public static SessionConfig open(SessionDefaults defaults, Map<String, String> requested) {
    Map<String, String> merged = new TreeMap<>(defaults.asConfig());
    for (var e : requested.entrySet()) {
      checkKey(e.getKey());
      checkValue(e.getKey(), e.getValue());
      merged.put(e.getKey(), e.getValue().strip());
    }
    SessionConfig config = new SessionConfig(merged);
    config.checkEngineValues(defaults);
    return config;
  }

  /** User keys changed; engine keys may not change after open. */
  public SessionConfig withUserChanges(Map<String, String> set, Iterable<String> unset) {
    Map<String, String> next = new TreeMap<>(values);
    for (var e : set.entrySet()) {
      if (ENGINE_KEYS.contains(e.getKey())) {
        throw new IllegalStateException(e.getKey() + " is fixed when the session opens");
      }
      checkKey(e.getKey());
      checkValue(e.getKey(), e.getValue());
      next.put(e.getKey(), e.getValue());
    }
    for (String key : unset) {
      if (ENGINE_KEYS.contains(key)) {
        throw new IllegalStateException(key + " is fixed when the session opens");
      }
      next.remove(key);
    }
    if (next.size() - ENGINE_KEYS.size() > MAX_USER_KEYS) {
      throw new IllegalArgumentException("at most " + MAX_USER_KEYS + " user keys per session");
    }
    return new SessionConfig(next);
  }

  private static void checkKey(String key) {
    if (!ENGINE_KEYS.contains(key) && !(key.startsWith(USER_PREFIX) && key.length() > USER_PREFIX.length())) {
      throw new IllegalArgumentException("unknown config key '" + key + "'; engine keys are "
          + new java.util.TreeSet<>(ENGINE_KEYS)
          + " and user keys start with '" + USER_PREFIX + "'");
    }
  }

  private static void checkValue(String key, String value) {
    if (value.length() > MAX_VALUE_LENGTH) {
      throw new IllegalArgumentException(key + ": value longer than " + MAX_VALUE_LENGTH + " characters");
    }
  }

  private void checkEngineValues(SessionDefaults defaults) {
    long memory = memoryLimitBytes();
    if (memory < 8L * 1024 * 1024 || memory > defaults.maxMemoryLimitBytes()) {
      throw new IllegalArgumentException(MEMORY_LIMIT + ": must be between 8MiB and "
          + defaults.maxMemoryLimitBytes() / (1024 * 1024) + "MiB, got " + values.get(MEMORY_LIMIT));
    }
    int threads = threads();
    if (threads < 1 || threads > defaults.maxThreads()) {
      throw new IllegalArgumentException(THREADS + ": must be between 1 and "
          + defaults.maxThreads() + ", got " + values.get(THREADS));
    }
    if (operationTimeout().isZero()) {
      throw new IllegalArgumentException(OPERATION_TIMEOUT + ": must be more than 0");
    }
    long buffer = resultBufferBytes();
    if (buffer < 1024 * 1024 || buffer > defaults.maxResultBufferBytes()) {
      throw new IllegalArgumentException(RESULT_BUFFER_BYTES + ": must be between 1MiB and "
          + defaults.maxResultBufferBytes() / (1024 * 1024) + "MiB, got " + values.get(RESULT_BUFFER_BYTES));
    }
    long spill = spillLimitBytes();
    if (spill < 0 || spill > defaults.maxSpillBytes()) {
      throw new IllegalArgumentException(SPILL_LIMIT + ": must be between 0 and "
          + defaults.maxSpillBytes() / (1024 * 1024) + "MiB, got " + values.get(SPILL_LIMIT));
    }
  }

  public long memoryLimitBytes() {
    return Quantities.bytes(MEMORY_LIMIT, values.get(MEMORY_LIMIT));
  }

  public int threads() {
    try {
      return Integer.parseInt(values.get(THREADS));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(THREADS + ": not a whole number: '" + values.get(THREADS) + "'");
    }
  }

  public Duration operationTimeout() {
    return Quantities.duration(OPERATION_TIMEOUT, values.get(OPERATION_TIMEOUT));
  }

  public long resultBufferBytes() {
    return Quantities.bytes(RESULT_BUFFER_BYTES, values.get(RESULT_BUFFER_BYTES));
  }

  public long spillLimitBytes() {
    return Quantities.bytes(SPILL_LIMIT, values.get(SPILL_LIMIT));
  }

  public Map<String, String> asMap() {
    return values;
  }

  /** The subset named by {@code keys}; all when empty. */
  public Map<String, String> select(java.util.Collection<String> keys) {
    if (keys.isEmpty()) {
      return values;
    }
    Map<String, String> out = new TreeMap<>();
    for (String k : keys) {
      if (values.containsKey(k)) {
        out.put(k, values.get(k));
      }
    }
    return out;
  }
}

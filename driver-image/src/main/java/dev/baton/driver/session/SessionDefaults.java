package dev.baton.driver.session;

import java.time.Duration;
import java.util.Map;

/**
 * The driver's defaults for new sessions and the ceilings a session's engine settings may not
 * exceed. Set by the driver's flags.
 */
public record SessionDefaults(
    long memoryLimitBytes,
    long maxMemoryLimitBytes,
    int threads,
    int maxThreads,
    Duration operationTimeout,
    long resultBufferBytes,
    long maxResultBufferBytes,
    long spillBytes,
    long maxSpillBytes) {

  Map<String, String> asConfig() {
    return Map.of(
        SessionConfig.MEMORY_LIMIT, (memoryLimitBytes >> 20) + "MiB",
        SessionConfig.THREADS, String.valueOf(threads),
        SessionConfig.OPERATION_TIMEOUT, operationTimeout.toMillis() + "ms",
        SessionConfig.RESULT_BUFFER_BYTES, (resultBufferBytes >> 20) + "MiB",
        SessionConfig.SPILL_LIMIT, (spillBytes >> 20) + "MiB");
  }
}

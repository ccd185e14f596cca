package dev.baton.driver;

import dev.baton.driver.session.Quantities;
import dev.baton.driver.session.SessionDefaults;
import dev.baton.proto.auth.DriverTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's settings, from flags ({@code --port=15002}) or environment ({@code BATON_PORT});
 * a flag wins over the environment. Unknown flags are an error, so a typo is not silently ignored.
 */
public record DriverSettings(
    String host,
    int port,
    Integer controlPort,
    String version,
    String revision,
    List<Path> dataDirectories,
    Path scratchDirectory,
    int maxSessions,
    Duration shutdownGrace,
    long snapshotMaxTableBytes,
    SessionDefaults sessionDefaults,
    String controlToken,
    String sessionToken,
    String acceptedControlTokens,
    String acceptedSessionTokens,
    long maxRequestBytes,
    int maxRunningOperations) {

  /** Flag name -> (environment variable, default, description). */
  static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

  static {
    option("host", "BATON_HOST", "", "address to bind; default the pod IP (POD_IP) or 0.0.0.0");
    option("port", "BATON_PORT", "15002", "gRPC port");
    option("control-port", "BATON_CONTROL_PORT", "",
        "a second port serving DriverControl alone (the operator's; snapshots up to 512MiB), so the main port "
            + "takes nothing larger than max-request-bytes; unset: DriverControl on the main port only");
    option("version", "BATON_DRIVER_VERSION", "dev", "driver version reported to clients (the image tag)");
    option("revision", "BATON_REVISION", "", "pool revision this driver was started for");
    option("data-dir", "BATON_DATA_DIRS", "", "comma-separated directories plans may read files from");
    option("scratch-dir", "BATON_SCRATCH_DIR", "", "directory for per-session spill files");
    option("max-sessions", "BATON_MAX_SESSIONS", "0", "sessions accepted at most (0: no limit)");
    option("shutdown-grace", "BATON_SHUTDOWN_GRACE", "30s", "time in-flight operations get on SIGTERM");
    option("snapshot-max-table-bytes", "BATON_SNAPSHOT_MAX_TABLE_BYTES", "256MiB",
        "bytes of tables one session snapshot may carry");
    option("session-memory-limit", "BATON_SESSION_MEMORY_LIMIT", "512MiB", "default memory_limit of a session");
    option("session-max-memory-limit", "BATON_SESSION_MAX_MEMORY_LIMIT", "4GiB", "largest memory_limit a session may ask for");
    option("session-threads", "BATON_SESSION_THREADS", "2", "default threads of a session");
    option("session-operation-timeout", "BATON_SESSION_OPERATION_TIMEOUT", "10m", "default operation_timeout");
    option("session-result-buffer", "BATON_SESSION_RESULT_BUFFER", "64MiB", "default result_buffer_bytes");
    option("control-token", "BATON_CONTROL_TOKEN", "",
        "when set, DriverControl serves only calls carrying it (the operator)");
    option("session-token", "BATON_SESSION_TOKEN", "",
        "when set, the session API serves only calls carrying it (the pool's gateway and the operator)");
    option("control-tokens", "BATON_CONTROL_TOKENS", "",
        "during a rotation of the pool's tokens: every control token accepted, comma-separated, the newest first");
    option("session-tokens", "BATON_SESSION_TOKENS", "",
        "during a rotation of the pool's tokens: every session token accepted, comma-separated, the newest first");
    option("max-request-bytes", "BATON_MAX_REQUEST_BYTES", "16MiB",
        "largest session API request (ImportSession has its own limit of 512MiB)");
    option("max-running-operations", "BATON_MAX_RUNNING_OPERATIONS", "256",
        "operations producing results at once, over all sessions; more are RESOURCE_EXHAUSTED");
  }

  private static void option(String flag, String env, String defaultValue, String description) {
    OPTIONS.put(flag, new String[] {env, defaultValue, description});
  }

  public static DriverSettings parse(String[] args, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    for (var e : OPTIONS.entrySet()) {
      String fromEnv = env.get(e.getValue()[0]);
      values.put(e.getKey(), fromEnv != null && !fromEnv.isBlank() ? fromEnv : e.getValue()[1]);
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      if (!OPTIONS.containsKey(name)) {
        throw new IllegalArgumentException("unknown flag --" + name);
      }
      values.put(name, value);
    }
    String host = values.get("host");
    if (host.isBlank()) {
      String podIp = env.get("POD_IP");
      host = podIp != null && !podIp.isBlank() ? podIp : "0.0.0.0";
    }
    List<Path> dataDirs = new ArrayList<>();
    for (String d : values.get("data-dir").split(",")) {
      if (!d.isBlank()) {
        dataDirs.add(Path.of(d.strip()).toAbsolutePath());
      }
    }
    String scratch = values.get("scratch-dir");
    Path scratchDir = scratch.isBlank()
        ? Path.of(System.getProperty("java.io.tmpdir"), "baton-driver-" + ProcessHandle.current().pid())
        : Path.of(scratch).toAbsolutePath();
    int cores = Runtime.getRuntime().availableProcessors();
    long memory = Quantities.bytes("session-memory-limit", values.get("session-memory-limit"));
    long maxMemory = Quantities.bytes("session-max-memory-limit", values.get("session-max-memory-limit"));
    long buffer = Quantities.bytes("session-result-buffer", values.get("session-result-buffer"));
    SessionDefaults defaults = new SessionDefaults(memory, Math.max(memory, maxMemory),
        Integer.parseInt(values.get("session-threads")), Math.max(cores, 1),
        Quantities.duration("session-operation-timeout", values.get("session-operation-timeout")),
        buffer, Math.max(buffer, 1L << 30), 0, 8L << 30);
    String controlPort = values.get("control-port");
    return new DriverSettings(host, Integer.parseInt(values.get("port")),
        controlPort.isBlank() ? null : Integer.valueOf(controlPort), values.get("version"),
        values.get("revision"), dataDirs, scratchDir, Integer.parseInt(values.get("max-sessions")),
        Quantities.duration("shutdown-grace", values.get("shutdown-grace")),
        Quantities.bytes("snapshot-max-table-bytes", values.get("snapshot-max-table-bytes")), defaults,
        values.get("control-token"), values.get("session-token"), values.get("control-tokens"),
        values.get("session-tokens"),
        Quantities.bytes("max-request-bytes", values.get("max-request-bytes")),
        Integer.parseInt(values.get("max-running-operations")));
  }

  /** Whether DriverControl calls must carry the operator's control token. */
  public boolean controlTokenRequired() {
    return controlToken != null && !controlToken.isEmpty();
  }

  /**
   * The token the session API demands: the session token, or, for a driver given only a control
   * token, that one (so such a driver is never open to everyone); null when none is set.
   */
  public String sessionApiToken() {
    if (sessionToken != null && !sessionToken.isEmpty()) {
      return sessionToken;
    }
    return controlTokenRequired() ? controlToken : null;
  }

  /**
   * The tokens this driver accepts at start: the current ones, or during a rotation the lists the
   * operator gave (newest first).
   */
  public DriverTokens tokens() {
    return DriverTokens.fromSettings(controlToken, acceptedControlTokens, sessionToken, acceptedSessionTokens);
  }

  /** Never prints the control token. */
  @Override
  public String toString() {
    return "DriverSettings[host=" + host + ", port=" + port + ", version=" + version + ", revision=" + revision
        + ", dataDirectories=" + dataDirectories + ", maxSessions=" + maxSessions + ", controlToken="
        + (controlTokenRequired() ? "<set>" : "<none>") + ", sessionToken=" + (sessionApiToken() != null ? "<set>" : "<none>")
        + ", maxRequestBytes=" + maxRequestBytes + ", maxRunningOperations=" + maxRunningOperations + "]";
  }

  static String usage() {
    StringBuilder out = new StringBuilder("usage: baton-driver [--flag=value ...]\n");
    for (var e : OPTIONS.entrySet()) {
      out.append(String.format("  --%-26s %s (env %s, default '%s')%n", e.getKey(),
          e.getValue()[2], e.getValue()[0], e.getValue()[1]));
    }
    return out.toString();
  }
}

package dev.baton.spark;

import dev.baton.proto.auth.DriverTokens;
import java.util.Map;

/**
 * The plugin's settings, from the driver pod's environment (the operator sets the same variables
 * for every kind of driver).
 *
 * @param controlPort where DriverControl listens ({@code BATON_CONTROL_PORT}, default 15003)
 * @param version the driver's version in Status ({@code BATON_DRIVER_VERSION}, default Spark's)
 * @param revision the pool revision the driver was started for ({@code BATON_REVISION})
 * @param maxSessions sessions this driver takes at most, 0 for no limit ({@code BATON_MAX_SESSIONS})
 * @param tokens the control and session tokens ({@code BATON_CONTROL_TOKEN(S)}, {@code BATON_SESSION_TOKEN(S)})
 * @param artifactsAllowed whether clients may upload artifacts ({@code BATON_SPARK_ARTIFACTS}: allowed, the
 *     default, or refused)
 */
public record PluginSettings(int controlPort, String version, String revision, int maxSessions, DriverTokens tokens,
    boolean artifactsAllowed) {
  public static final int DEFAULT_CONTROL_PORT = 15003;

  public static PluginSettings fromEnv(Map<String, String> env, String sparkVersion) {
    return new PluginSettings(
        Integer.parseInt(env.getOrDefault("BATON_CONTROL_PORT", String.valueOf(DEFAULT_CONTROL_PORT)).strip()),
        nonBlank(env.get("BATON_DRIVER_VERSION"), sparkVersion),
        env.getOrDefault("BATON_REVISION", ""),
        Integer.parseInt(env.getOrDefault("BATON_MAX_SESSIONS", "0").strip()),
        DriverTokens.fromSettings(env.get("BATON_CONTROL_TOKEN"), env.get("BATON_CONTROL_TOKENS"),
            env.get("BATON_SESSION_TOKEN"), env.get("BATON_SESSION_TOKENS")),
        !"refused".equalsIgnoreCase(env.getOrDefault("BATON_SPARK_ARTIFACTS", "allowed").strip()));
  }

  private static String nonBlank(String value, String otherwise) {
    return value == null || value.isBlank() ? otherwise : value.strip();
  }
}

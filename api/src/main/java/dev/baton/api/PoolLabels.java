package dev.baton.api;

import java.util.Map;

/** Labels and names the operator puts on what it owns. */
public final class PoolLabels {
  public static final String POOL = "baton.dev/pool";
  public static final String REVISION = "baton.dev/revision";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "baton-operator";
  /** Set on a driver the operator is emptying before it deletes it. */
  public static final String DRAINING = "baton.dev/draining";
  /** On ClientSessions a pool's gateway created for sessions opened ad hoc; value {@code gateway}. */
  public static final String CREATED_BY = "baton.dev/created-by";
  /**
   * Annotation on a DriverPool: a new value rolls every driver through the handoff, as
   * {@code kubectl rollout restart} does for a Deployment. Any value will do; a timestamp is usual.
   */
  public static final String RESTARTED_AT = "baton.dev/restartedAt";
  /**
   * Annotation on a DriverPool: a new value rotates the pool's control and session tokens while
   * every driver and session is kept (status.tokenRotation). Any value will do; a timestamp is usual.
   */
  public static final String ROTATE_TOKENS_AT = "baton.dev/rotateTokensAt";
  /** Component label of the ControllerRevisions that store a pool's driver revisions. */
  public static final String REVISION_COMPONENT = "driver-revision";
  /** Label on a driver pod: which kind of server it runs (absent: the reference driver). */
  public static final String DRIVER_KIND = "baton.dev/driver-kind";
  /** {@link #DRIVER_KIND} of a driver that runs a Spark Connect server. */
  public static final String SPARK_CONNECT_KIND = "spark-connect";
  public static final int DRIVER_PORT = 15002;
  /**
   * A driver's second port, the operator's: DriverControl (snapshots up to 512 MiB), the session
   * API for declared sessions, and health. On a Spark driver the main port is Spark Connect's own.
   */
  public static final int CONTROL_PORT = 15003;
  /** Name of the driver container's control port. */
  public static final String CONTROL_PORT_NAME = "control";
  /** A Spark driver's port for its executors (spark.driver.port), when they run as pods. */
  public static final int SPARK_DRIVER_PORT = 7078;
  /** A Spark driver's block manager port (spark.driver.blockManager.port), when executors run as pods. */
  public static final int SPARK_BLOCK_MANAGER_PORT = 7079;

  private PoolLabels() {}

  public static Map<String, String> driverSelector(String pool) {
    return Map.of(POOL, pool, COMPONENT, "driver");
  }

  /** The pool's gateway pods (selected by its Service). */
  public static Map<String, String> gatewaySelector(String pool) {
    return Map.of(POOL, pool, COMPONENT, "gateway");
  }

  /** The Spark executors a pool's drivers start as pods (a k8s:// master). */
  public static Map<String, String> executorSelector(String pool) {
    return Map.of(POOL, pool, COMPONENT, "spark-executor");
  }

  /** The ServiceAccount of a Spark pool's drivers whose executors run as pods. */
  public static String sparkServiceAccount(String pool) {
    return pool + "-spark";
  }

  /** The ServiceAccount of a Spark pool's executor pods: no rights, no token. */
  public static String sparkExecutorServiceAccount(String pool) {
    return pool + "-spark-executor";
  }

  public static String selectorString(String pool) {
    return POOL + "=" + pool + "," + COMPONENT + "=driver";
  }

  public static String driversService(String pool) {
    return pool + "-drivers";
  }
}

package dev.baton.operator;

import dev.baton.operator.pool.DriverPoolReconciler;
import dev.baton.operator.pool.ControlTokens;
import dev.baton.operator.pool.DriverProber;
import dev.baton.operator.pool.CordonedNodes;
import dev.baton.operator.pool.GatewayObjects;
import dev.baton.operator.session.ClientSessionReconciler;
import dev.baton.operator.session.MoveHook;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.util.Set;

/**
 * The operator's controllers wired into java-operator-sdk. Used by {@link OperatorMain} and by
 * tests that run the operator inside the test JVM against a real API server.
 */
public final class BatonOperator implements AutoCloseable {
  private final Operator operator;
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final DriverProber prober = new DriverProber(metrics::driverCall);
  private final CordonedNodes cordoned;
  private final KubernetesClient client;
  private final ClientSessionReconciler sessionReconciler;

  /**
   * @param namespaces namespaces to watch; empty watches all
   * @param leaseNamespace where the leader-election Lease lives; null runs without election
   */
  public BatonOperator(KubernetesClient client, Set<String> namespaces, String leaseNamespace) {
    this(client, namespaces, leaseNamespace,
        System.getenv().getOrDefault("POD_NAME", "baton-operator-" + ProcessHandle.current().pid()), true);
  }

  /**
   * As above, with the identity this replica holds the leader Lease under, and whether losing
   * leadership ends the process (what a deployed replica wants: it restarts and rejoins as a
   * follower; tests that run several replicas in one JVM turn it off).
   */
  public BatonOperator(KubernetesClient client, Set<String> namespaces, String leaseNamespace, String identity,
      boolean exitOnLostLeadership) {
    this(client, namespaces, leaseNamespace, identity, exitOnLostLeadership, MoveHook.NONE);
  }

  /** As above, with a hook told when a session move passes each point (tests stop the operator there). */
  public BatonOperator(KubernetesClient client, Set<String> namespaces, String leaseNamespace, String identity,
      boolean exitOnLostLeadership, MoveHook moveHook) {
    this.client = client;
    operator = new Operator(o -> {
      o.withKubernetesClient(client).withCloseClientOnStop(false).withStopOnInformerErrorDuringStartup(true)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()));
      if (leaseNamespace != null) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration("baton-operator", leaseNamespace,
            LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE, LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
            LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, identity, null, exitOnLostLeadership));
      }
    });
    ControlTokens tokens = new ControlTokens(client);
    cordoned = new CordonedNodes(client);
    operator.register(new DriverPoolReconciler(prober, tokens, metrics, gatewayImage(), operatorNamespace(), cordoned),
        c -> watch(c, namespaces));
    sessionReconciler = new ClientSessionReconciler(prober, tokens, metrics, moveHook);
    operator.register(sessionReconciler, c -> watch(c, namespaces));
  }

  /** The operator's own namespace (POD_NAMESPACE, from the downward API); baton-system when unset. */
  static String operatorNamespace() {
    String ns = System.getenv("POD_NAMESPACE");
    return ns == null || ns.isBlank() ? "baton-system" : ns;
  }

  /**
   * Ready once started and every informer is healthy (synced, watching). Leadership is not part
   * of it: a standby replica is ready to take over, so it stays Ready.
   */
  public boolean isReady() {
    var info = operator.getRuntimeInfo();
    return info.isStarted() && info.allEventSourcesAreHealthy();
  }

  /** The gateway image pools get unless they name one: the operator's BATON_GATEWAY_IMAGE. */
  private static String gatewayImage() {
    String image = System.getenv("BATON_GATEWAY_IMAGE");
    return image == null || image.isBlank() ? GatewayObjects.DEFAULT_IMAGE : image;
  }

  /**
   * A failed reconcile is tried again 1 s later, then at twice the last wait up to 30 s, without
   * limit. The SDK's default gives up after 5 attempts and then waits for an event; a draining
   * driver emptying or a session's driver answering again raises none, so a resource that failed
   * a few times in a row under load would stay where it was.
   */
  static GenericRetry retry() {
    return new GenericRetry().setInitialInterval(1_000).setIntervalMultiplier(2).setMaxInterval(30_000)
        .withoutMaxAttempts();
  }

  private static <R extends io.fabric8.kubernetes.api.model.HasMetadata> void watch(
      io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<R> c, Set<String> namespaces) {
    c.withRetry(retry());
    c.withItemStore(CachePruning.withoutManagedFields());
    if (namespaces.isEmpty()) {
      c.watchingAllNamespaces();
    } else {
      c.settingNamespaces(namespaces);
    }
  }

  /** What Spark drivers last recorded of their sessions (a lost driver's sessions re-open from it). */
  public dev.baton.operator.session.RecordedStates recordedStates() {
    return sessionReconciler.recordedStates();
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  /**
   * Starts the controllers, after checking that the installed CRDs have every field this
   * operator writes ({@link InstalledCrds.OutdatedCrdsException} says what to apply if not).
   */
  public BatonOperator start() {
    InstalledCrds.verify(client);
    operator.start();
    return this;
  }

  @Override
  public void close() {
    operator.stop();
    cordoned.close();
    sessionReconciler.recordedStates().close();
    prober.close();
  }
}

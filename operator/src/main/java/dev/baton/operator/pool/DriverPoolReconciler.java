package dev.baton.operator.pool;

import dev.baton.api.PoolLabels;

import dev.baton.operator.OperatorMetrics;
import dev.baton.api.model.DriverPool;
import dev.baton.api.model.DriverPoolSpec;
import dev.baton.api.model.DriverPoolStatus;
import dev.baton.proto.v1.StatusResponse;
import dev.baton.api.model.GatewayStatus;
import dev.baton.api.model.TokenRotationStatus;
import dev.baton.api.model.TokenRotationStep;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import dev.baton.api.Durations;
import dev.baton.api.model.DriverSpec;
import dev.baton.api.model.UpgradeSpec;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Reconciles a DriverPool: observes its driver pods and what each driver says of itself, lets
 * {@link RolloutPlanner} decide, writes the status that records the decision, then creates,
 * drains and deletes drivers, keeps the driver revisions, Services, EndpointSlices,
 * PodDisruptionBudget and NetworkPolicy as wanted. Every write happens only when something
 * differs, so a steady pool costs reads only.
 */
@ControllerConfiguration(name = "driverpool")
public class DriverPoolReconciler implements Reconciler<DriverPool>, Cleaner<DriverPool> {
  private static final Logger LOG = LoggerFactory.getLogger(DriverPoolReconciler.class);
  /** Drivers' session counts change without Kubernetes events: look again this often. */
  static final Duration RESYNC = Duration.ofMillis(DriverPoolReconcilerTiming.RESYNC_MILLIS);
  /** A rotation's steps each take one reconcile: look again sooner while one runs. */
  static final Duration ROTATION_RESYNC = Duration.ofSeconds(1);

  private final DriverProber prober;
  private final ControlTokens tokens;
  private final TokenRotator rotator;
  private final String gatewayImage;
  private final String operatorNamespace;
  /** Told about pods this reconciler just created or changed, so the next reconcile sees them. */
  private InformerEventSource<Pod, DriverPool> podSource;
  /** Told about revisions this reconciler just stored, so the next reconcile sees them. */
  private InformerEventSource<ControllerRevision, DriverPool> revisionSource;

  private final OperatorMetrics metrics;
  private final CordonedNodes cordoned;
  /** Spark pools known to have no executor account and rights (so they are not looked up again). */
  private final java.util.Set<String> executorAccessAbsent = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param operatorNamespace where the operator's pods run: the only namespace whose operator
   *     pods the drivers' NetworkPolicy admits
   */
  public DriverPoolReconciler(DriverProber prober, ControlTokens tokens, OperatorMetrics metrics, String gatewayImage,
      String operatorNamespace, CordonedNodes cordoned) {
    this.cordoned = cordoned;
    this.prober = prober;
    this.operatorNamespace = operatorNamespace;
    this.gatewayImage = gatewayImage;
    this.tokens = tokens;
    this.rotator = new TokenRotator(tokens, prober);
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, DriverPool>> prepareEventSources(EventSourceContext<DriverPool> context) {
    podSource = new InformerEventSource<>(owned(Pod.class, "driver-pods", "driver"), context);
    revisionSource = new InformerEventSource<>(owned(ControllerRevision.class, "driver-revisions",
        PoolLabels.REVISION_COMPONENT), context);
    return List.of(podSource, revisionSource,
        new InformerEventSource<>(owned(Deployment.class, "gateway-deployments", "gateway"), context));
  }

  /** Objects of one component the operator made, each mapped to its pool by label. */
  private static <R extends HasMetadata> InformerEventSourceConfiguration<R> owned(Class<R> type, String name,
      String component) {
    return InformerEventSourceConfiguration.from(type, DriverPool.class)
        .withName(name)
        .withLabelSelector(PoolLabels.MANAGED_BY + "=" + PoolLabels.OPERATOR + "," + PoolLabels.COMPONENT + "=" + component)
        .withSecondaryToPrimaryMapper(r -> {
          String pool = r.getMetadata().getLabels().get(PoolLabels.POOL);
          return pool == null ? Set.of() : Set.of(new ResourceID(pool, r.getMetadata().getNamespace()));
        })
        .withNamespacesInheritedFromController()
        .withItemStore(dev.baton.operator.CachePruning.withoutManagedFields())
        .build();
  }

  @Override
  public UpdateControl<DriverPool> reconcile(DriverPool pool, Context<DriverPool> context) {
    String name = pool.getMetadata().getName();
    String ns = pool.getMetadata().getNamespace();
    MDC.put("pool", ns + "/" + name);
    try {
      KubernetesClient client = context.getClient();
      EventRecorder events = new EventRecorder(client);
      DriverPoolSpec spec = pool.getSpec();
      String restartedAt = pool.getMetadata().getAnnotations() == null ? null
          : pool.getMetadata().getAnnotations().get(PoolLabels.RESTARTED_AT);
      String specRevision = RevisionHasher.revision(spec.getDriver(), restartedAt);
      DriverPoolStatus previous = pool.getStatus() == null ? new DriverPoolStatus() : pool.getStatus();
      ResourceID poolId = ResourceID.fromResource(pool);
      List<ControllerRevision> stored = context.getSecondaryResources(ControllerRevision.class).stream()
          .filter(c -> name.equals(c.getMetadata().getLabels().get(PoolLabels.POOL))).toList();
      storeRevision(client, pool, poolId, stored, specRevision, restartedAt);

      List<Pod> pods = context.getSecondaryResources(Pod.class).stream()
          .filter(p -> name.equals(p.getMetadata().getLabels().get(PoolLabels.POOL))).toList();
      String token = tokens.ensure(pool);
      Map<String, StatusResponse> statusByDriver = new HashMap<>();
      List<DriverView> drivers = observe(pods, token, statusByDriver);
      TokenRotationStatus rotation = rotateTokens(client, pool, previous.getTokenRotation(), drivers, statusByDriver,
          events);
      UpgradeSpec upgrade = spec.getUpgrade();
      PoolPlan plan = RolloutPlanner.plan(new PoolInput(spec.getReplicas(), spec.getSessions().getMaxPerDriver(),
          upgrade.getStrategy(), upgrade.getMaxSurge(), upgrade.getMaxUnavailable(),
          Durations.parse(upgrade.getProgressDeadline()), Boolean.TRUE.equals(upgrade.getAutoRollback()),
          Boolean.TRUE.equals(upgrade.getPaused()), specRevision, restartedAt, previous.getCurrentRevision(),
          previous.getLastStableRevision(), previous.getRollout(), drivers, Instant.now()));

      // Intent first: the rollout's state is in status before any driver is touched for it, so
      // an operator restart continues from what was decided (a rollback is never forgotten).
      metrics.drivers(ns, name, countByRevisionAndState(drivers));
      metrics.pool(ns, name);
      DriverPoolStatus status = status(pool, drivers, plan, previous, gatewayStatus(pool, context));
      status.setTokenRotation(rotation);
      metrics.rolloutPhase(ns, name, status.getRollout() == null || status.getRollout().getPhase() == null ? null
          : status.getRollout().getPhase().name());
      if (!status.equals(pool.getStatus())) {
        pool = PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(pool, context, p -> {
          p.setStatus(status);
          return p;
        });
        logTransitions(pool, previous, status, events);
        for (PoolPlan.PlanEvent e : plan.events()) {
          LOG.info("{}: {}", e.reason(), e.message());
          if (e.warning()) {
            events.warning(pool, e.reason(), e.message());
          } else {
            events.normal(pool, e.reason(), e.message());
          }
        }
      }

      // The disruption budget counts every driver pod: raised before one is created, lowered
      // only after one is deleted, so no eviction slips through in between.
      OwnedObjects owned = new OwnedObjects(client);
      int live = (int) drivers.stream().filter(d -> !d.terminating()).count();
      owned.ensure(PoolObjects.disruptionBudget(pool, live + plan.create()));
      Optional<DriverSpec> driver = plan.create() > 0 ? driverOf(spec, specRevision, stored, plan.createRevision())
          : Optional.empty();
      boolean executorPods = executorPodsUsed(pool, pods, driver);
      ensureSparkExecutorAccess(client, owned, pool, executorPods);
      if (plan.create() > 0) {
        if (driver.isEmpty()) {
          events.warning(pool, "RevisionMissing", "no stored driver spec for revision " + plan.createRevision()
              + "; cannot create its drivers");
        }
        for (int i = 0; driver.isPresent() && i < plan.create(); i++) {
          Pod pod = client.pods().inNamespace(ns).resource(DriverPodFactory.build(pool, driver.get(),
              plan.createRevision())).create();
          podSource.handleRecentResourceCreate(poolId, pod);
          events.normal(pool, "DriverCreated", "created driver " + pod.getMetadata().getName() + " at revision "
              + plan.createRevision());
        }
      }
      for (String drain : plan.drain()) {
        DriverView d = drivers.stream().filter(x -> x.name().equals(drain)).findFirst().orElseThrow();
        Pod before = pods.stream().filter(p -> p.getMetadata().getName().equals(drain)).findFirst().orElseThrow();
        Pod after = client.pods().inNamespace(ns).withName(drain)
            .edit(p -> { p.getMetadata().getLabels().put(PoolLabels.DRAINING, "true"); return p; });
        podSource.handleRecentResourceUpdate(poolId, after, before);
        if (d.ip() != null) {
          prober.drain(d.ip(), token);
        }
        boolean outdated = !Fleet.isFresh(d, plan.updateRevision());
        events.normal(pool, "DriverDraining", "draining " + drain + " (" + (d.reachable() ? d.sessions() : "unknown")
            + " sessions to move)" + (outdated ? " to replace revision " + d.revision() + " with "
                + plan.updateRevision() : " to reach " + spec.getReplicas() + " drivers"));
      }
      // A driver labelled draining (by this reconciler, or by a user evacuating it) is told so
      // until it says it is draining; its sessions are moved by the ClientSession reconciler.
      for (DriverView d : drivers) {
        if (d.draining() && !d.terminating() && d.reachable() && d.accepting() && d.ip() != null) {
          prober.drain(d.ip(), token);
        }
      }
      for (String delete : plan.delete()) {
        DriverView d = drivers.stream().filter(x -> x.name().equals(delete)).findFirst().orElseThrow();
        client.pods().inNamespace(ns).withName(delete).delete();
        if (d.failed()) {
          events.warning(pool, "DriverLost", "driver " + delete + " exited; replaced, its sessions are re-opened");
        } else if (d.draining()) {
          events.normal(pool, "DriverDeleted", "deleted drained driver " + delete);
        } else {
          events.warning(pool, "DriverRecreated", "deleted driver " + delete + " of revision " + d.revision()
              + " with " + (d.reachable() ? d.sessions() : "unknown") + " sessions (strategy Recreate): they are "
              + "re-opened from their declared state");
        }
      }

      owned.ensure(PoolObjects.disruptionBudget(pool, live + plan.create() - plan.delete().size()));
      owned.ensure(PoolObjects.driversService(pool));
      owned.ensure(PoolObjects.clientService(pool));
      owned.ensure(PoolObjects.endpointSlice(pool, PoolLabels.driversService(name), plan.endpoints()));
      owned.ensure(PoolObjects.networkPolicy(pool, operatorNamespace, executorPods));
      ensureGateway(owned, pool);
      prober.retain(ns + "/" + name,
          new HashSet<>(drivers.stream().map(DriverView::ip).filter(java.util.Objects::nonNull).toList()));
      pruneRevisions(client, pool, stored, plan, drivers, specRevision);
      // A step that waits (its message says for what) is looked at again at the usual pace.
      boolean rotating = rotation != null && rotation.getStep() != TokenRotationStep.Complete
          && rotation.getMessage() == null;
      return UpdateControl.<DriverPool>noUpdate().rescheduleAfter(rotating ? ROTATION_RESYNC : RESYNC);
    } finally {
      MDC.remove("pool");
    }
  }

  /**
   * Stores the spec's revision as a ControllerRevision if it is not stored yet, and renumbers it
   * as the newest when the spec returns to it (A, B, then A again), as StatefulSets do.
   */
  private void storeRevision(KubernetesClient client, DriverPool pool, ResourceID poolId,
      List<ControllerRevision> stored, String revision, String restartedAt) {
    Optional<ControllerRevision> existing = DriverRevisions.find(stored, revision);
    long newest = DriverRevisions.newest(stored);
    if (existing.isEmpty()) {
      ControllerRevision created = client.resource(DriverRevisions.build(pool, revision, pool.getSpec().getDriver(),
          restartedAt, newest + 1)).create();
      revisionSource.handleRecentResourceCreate(poolId, created);
      LOG.info("stored driver revision {} as ControllerRevision {}", revision, created.getMetadata().getName());
    } else if (existing.get().getRevision() == null || existing.get().getRevision() < newest) {
      ControllerRevision before = existing.get();
      ControllerRevision after = client.resource(before).edit(c -> {
        c.setRevision(newest + 1);
        return c;
      });
      revisionSource.handleRecentResourceUpdate(poolId, after, before);
    }
  }

  /** The driver spec of a revision: the pool's own when it is the spec's revision, else the stored one. */
  private static Optional<DriverSpec> driverOf(DriverPoolSpec spec, String specRevision,
      List<ControllerRevision> stored, String revision) {
    if (revision.equals(specRevision)) {
      return Optional.of(spec.getDriver());
    }
    return DriverRevisions.find(stored, revision).map(DriverRevisions::driverOf);
  }

  private void pruneRevisions(KubernetesClient client, DriverPool pool, List<ControllerRevision> stored,
      PoolPlan plan, List<DriverView> drivers, String specRevision) {
    Set<String> keep = new HashSet<>(drivers.stream().map(DriverView::revision).toList());
    keep.add(specRevision);
    keep.add(plan.updateRevision());
    if (plan.currentRevision() != null) {
      keep.add(plan.currentRevision());
    }
    if (plan.lastStableRevision() != null) {
      keep.add(plan.lastStableRevision());
    }
    for (String name : DriverRevisions.prune(stored, keep, pool.getSpec().getUpgrade().getRevisionHistoryLimit())) {
      client.apps().controllerRevisions().inNamespace(pool.getMetadata().getNamespace()).withName(name).delete();
      LOG.info("deleted ControllerRevision {} (spec.upgrade.revisionHistoryLimit)", name);
    }
  }

  /**
   * A Spark pool whose drivers start executors as pods: their account and its binding, the
   * executors' account (no rights, no token) and the executors' NetworkPolicy, made before a
   * driver that runs as that account is created (the API server refuses a pod whose account does
   * not exist, and Spark reads its own pod as it starts). Kept while {@code used}; removed after
   * (a pool that became a Reference pool keeps them until it is deleted).
   */
  private void ensureSparkExecutorAccess(KubernetesClient client, OwnedObjects owned, DriverPool pool, boolean used) {
    String key = pool.getMetadata().getNamespace() + "/" + pool.getMetadata().getName();
    var binding = PoolObjects.sparkRoleBinding(pool);
    if (used) {
      executorAccessAbsent.remove(key);
      owned.ensure(PoolObjects.sparkServiceAccount(pool));
      owned.ensure(PoolObjects.sparkExecutorServiceAccount(pool));
      owned.ensure(binding);
      owned.ensure(PoolObjects.executorNetworkPolicy(pool));
    } else if (pool.getSpec().getDriver().runsSpark() && !executorAccessAbsent.contains(key)) {
      if (client.resource(binding).get() != null) {
        // The binding last: while it is there, the next reconcile finishes the job.
        client.resource(PoolObjects.executorNetworkPolicy(pool)).delete();
        client.resource(PoolObjects.sparkExecutorServiceAccount(pool)).delete();
        client.resource(PoolObjects.sparkServiceAccount(pool)).delete();
        client.resource(binding).delete();
        LOG.info("pool {}: its drivers start no executor pods any more; their account and its rights removed", key);
      }
      executorAccessAbsent.add(key);
    }
  }

  /** Whether any driver of the pool runs, or is about to be created, as the pool's Spark account. */
  private static boolean executorPodsUsed(DriverPool pool, List<Pod> pods, Optional<DriverSpec> toCreate) {
    String account = PoolLabels.sparkServiceAccount(pool.getMetadata().getName());
    return PoolObjects.executorPods(pool.getSpec().getDriver()) || toCreate.map(PoolObjects::executorPods).orElse(false)
        || pods.stream().anyMatch(p -> account.equals(p.getSpec().getServiceAccountName()));
  }

  /** The gateway, its ServiceAccount and that account's rights; the Deployment last, once it may run. */
  private void ensureGateway(OwnedObjects owned, DriverPool pool) {
    owned.ensure(GatewayObjects.serviceAccount(pool));
    owned.ensure(GatewayObjects.sessionsBinding(pool));
    owned.ensure(GatewayObjects.tokenSecretRole(pool));
    owned.ensure(GatewayObjects.tokenSecretBinding(pool));
    owned.ensure(GatewayObjects.tokenReviewBinding(pool));
    owned.ensure(GatewayObjects.deployment(pool, gatewayImage));
    owned.ensure(GatewayObjects.disruptionBudget(pool));
  }

  private static GatewayStatus gatewayStatus(DriverPool pool, Context<DriverPool> context) {
    String name = GatewayObjects.name(pool.getMetadata().getName());
    Optional<Deployment> d = context.getSecondaryResources(Deployment.class).stream()
        .filter(x -> name.equals(x.getMetadata().getName())).findFirst();
    int ready = d.map(x -> x.getStatus() == null || x.getStatus().getReadyReplicas() == null ? 0
        : x.getStatus().getReadyReplicas()).orElse(0);
    return new GatewayStatus(name, pool.getSpec().getGateway().getReplicas(), ready);
  }

  /** The pool's ClusterRoleBinding has no owner reference (cluster-scoped): delete it here. */
  @Override
  public DeleteControl cleanup(DriverPool pool, Context<DriverPool> context) {
    String binding = GatewayObjects.clusterBindingName(pool.getMetadata().getNamespace(), pool.getMetadata().getName());
    context.getClient().rbac().clusterRoleBindings().withName(binding).delete();
    tokens.forget(pool.getMetadata().getNamespace(), pool.getMetadata().getName());
    prober.forget(pool.getMetadata().getNamespace() + "/" + pool.getMetadata().getName());
    metrics.drivers(pool.getMetadata().getNamespace(), pool.getMetadata().getName(), Map.of());
    metrics.rolloutPhase(pool.getMetadata().getNamespace(), pool.getMetadata().getName(), null);
    LOG.info("pool {}/{} deleted; its gateway's ClusterRoleBinding removed", pool.getMetadata().getNamespace(),
        pool.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  private static Map<List<String>, Integer> countByRevisionAndState(List<DriverView> drivers) {
    Map<List<String>, Integer> out = new java.util.HashMap<>();
    for (DriverView d : drivers) {
      String state = d.terminating() ? "terminating" : d.failed() ? "failed" : d.draining() ? "draining"
          : d.ready() ? "ready" : "starting";
      out.merge(List.of(d.revision(), state), 1, Integer::sum);
    }
    return out;
  }

  /**
   * Begins a rotation of the pool's tokens when the annotation asks for one (only written to status
   * this time: intent first), or takes the step status names; the rotation's status to write.
   */
  private TokenRotationStatus rotateTokens(KubernetesClient client, DriverPool pool, TokenRotationStatus current,
      List<DriverView> drivers, Map<String, StatusResponse> statusByDriver, EventRecorder events) {
    String requested = pool.getMetadata().getAnnotations() == null ? null
        : pool.getMetadata().getAnnotations().get(PoolLabels.ROTATE_TOKENS_AT);
    Instant now = Instant.now();
    Optional<TokenRotationStatus> begun = TokenRotationPlanner.begin(requested, current, now);
    if (begun.isPresent()) {
      events.normal(pool, "TokenRotationStarted", "rotating the pool's control and session tokens ("
          + PoolLabels.ROTATE_TOKENS_AT + "=" + requested + "); drivers and sessions are kept");
      return begun.get();
    }
    if (current == null) {
      return null;
    }
    TokenRotationStatus next = rotator.take(client, pool, current, drivers, statusByDriver, now);
    if (next.getStep() != current.getStep()) {
      LOG.info("token rotation {}: {} done, now {}", next.getRequested(), current.getStep(), next.getStep());
      if (next.getStep() == TokenRotationStep.Complete) {
        events.normal(pool, "TokenRotationComplete", "the pool's old tokens are accepted nowhere");
      } else {
        events.normal(pool, "TokenRotation", current.getStep() + " done; " + next.getStep());
      }
    } else if (next.getMessage() != null && !next.getMessage().equals(current.getMessage())) {
      LOG.info("token rotation {} at {}: {}", next.getRequested(), next.getStep(), next.getMessage());
    }
    return next;
  }

  private List<DriverView> observe(List<Pod> pods, String token, Map<String, StatusResponse> statusByDriver) {
    List<DriverView> out = new ArrayList<>();
    for (Pod p : pods) {
      Map<String, String> labels = p.getMetadata().getLabels();
      boolean ready = condition(p, "Ready", "True");
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      Optional<StatusResponse> status = ready && ip != null ? prober.status(ip, token) : Optional.empty();
      status.ifPresent(st -> statusByDriver.put(p.getMetadata().getName(), st));
      boolean unschedulable = p.getStatus() != null && p.getStatus().getConditions() != null
          && p.getStatus().getConditions().stream().anyMatch(c -> "PodScheduled".equals(c.getType())
              && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()));
      boolean failed = p.getStatus() != null
          && ("Failed".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase()));
      boolean started = p.getStatus() != null && p.getStatus().getContainerStatuses() != null
          && p.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null
              && (c.getState().getRunning() != null || c.getState().getTerminated() != null));
      out.add(new DriverView(p.getMetadata().getName(), ip, labels.getOrDefault(PoolLabels.REVISION, ""), ready,
          started, p.getMetadata().getDeletionTimestamp() != null, "true".equals(labels.get(PoolLabels.DRAINING)),
          status.isPresent(), status.map(s -> s.getState() == StatusResponse.State.ACCEPTING).orElse(false),
          status.map(StatusResponse::getSessions).orElse(0), unschedulable, failed,
          p.getMetadata().getCreationTimestamp() == null ? Instant.now()
              : Instant.parse(p.getMetadata().getCreationTimestamp()),
          cordoned.cordoned(p.getSpec() == null ? null : p.getSpec().getNodeName())));
    }
    return out;
  }

  private static boolean condition(Pod p, String type, String value) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if (type.equals(c.getType())) {
        return value.equals(c.getStatus());
      }
    }
    return false;
  }

  private static DriverPoolStatus status(DriverPool pool, List<DriverView> drivers, PoolPlan plan,
      DriverPoolStatus previous, GatewayStatus gateway) {
    DriverPoolSpec spec = pool.getSpec();
    String name = pool.getMetadata().getName();
    DriverPoolStatus s = new DriverPoolStatus();
    long generation = pool.getMetadata().getGeneration() == null ? 0 : pool.getMetadata().getGeneration();
    s.setObservedGeneration(generation);
    s.setCurrentRevision(plan.currentRevision());
    s.setUpdateRevision(plan.updateRevision());
    s.setLastStableRevision(plan.lastStableRevision());
    s.setRollout(plan.rollout());
    s.setReplicas((int) drivers.stream().filter(d -> !d.terminating()).count());
    s.setReadyReplicas((int) drivers.stream().filter(d -> d.serving() && d.ready()).count());
    s.setUpdatedReplicas((int) drivers.stream()
        .filter(d -> d.serving() && Fleet.isFresh(d, plan.updateRevision())).count());
    s.setDrainingReplicas((int) drivers.stream().filter(d -> d.draining() && !d.terminating()).count());
    s.setSessions(drivers.stream().filter(d -> !d.terminating()).mapToInt(DriverView::sessions).sum());
    s.setEndpoint(name + "." + pool.getMetadata().getNamespace() + ".svc:" + spec.getGateway().getPort());
    s.setSelector(PoolLabels.selectorString(name));
    s.setGateway(gateway);
    s.setConditions(PoolConditions.compute(generation, spec.getReplicas(), spec.getUpgrade().getMaxUnavailable(),
        drivers, plan, gateway.getReplicas() == null ? 0 : gateway.getReplicas(),
        gateway.getReadyReplicas() == null ? 0 : gateway.getReadyReplicas(), previous.getConditions(), Instant.now()));
    return s;
  }

  private static void logTransitions(DriverPool pool, DriverPoolStatus before, DriverPoolStatus after,
      EventRecorder events) {
    for (var c : after.getConditions()) {
      boolean changed = before.getConditions() == null || before.getConditions().stream()
          .noneMatch(p -> p.getType().equals(c.getType()) && p.getStatus().equals(c.getStatus())
              && java.util.Objects.equals(p.getReason(), c.getReason()));
      if (changed) {
        boolean bad = (c.getType().equals("Available") && c.getStatus().equals("False"))
            || (c.getType().equals("Degraded") && c.getStatus().equals("True"));
        if (bad) {
          events.warning(pool, c.getReason(), c.getType() + "=" + c.getStatus() + ": " + c.getMessage());
        } else {
          events.normal(pool, c.getReason(), c.getType() + "=" + c.getStatus() + ": " + c.getMessage());
        }
      }
    }
  }
}

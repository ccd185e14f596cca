package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where the local nodes put a pending pod, decided alike by every local node from the same Node
 * and Pod objects (so one of them binds it): a Ready local node that is not cordoned and has room
 * under its allocatable {@code pods}, the least loaded first, then by name. None: the pod is
 * unschedulable. Pure.
 */
public final class LocalScheduler {
  /** Label every local node carries. */
  public static final String LOCAL_NODE_LABEL = "baton.dev/local-node";

  private LocalScheduler() {}

  public static Optional<String> choose(List<Node> nodes, List<Pod> pods) {
    return choose(null, nodes, pods);
  }

  /**
   * As {@link #choose(List, List)} for {@code pod}: where it asks to spread over nodes
   * ({@code topologySpreadConstraints} on {@code kubernetes.io/hostname}), the nodes with fewest
   * pods its selector's {@code matchLabels} match (terminating ones not counted) come first; the
   * constraint is a preference here, whatever its {@code whenUnsatisfiable}.
   */
  public static Optional<String> choose(Pod pod, List<Node> nodes, List<Pod> pods) {
    List<Pod> placed = pods.stream()
        .filter(p -> p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty() && !finished(p))
        .toList();
    Map<String, Long> load = placed.stream()
        .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting()));
    Map<String, Long> siblings = placed.stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && spreadsWith(pod, p))
        .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting()));
    return nodes.stream()
        .filter(n -> n.getMetadata().getLabels() != null
            && "true".equals(n.getMetadata().getLabels().get(LOCAL_NODE_LABEL)))
        .filter(n -> n.getMetadata().getDeletionTimestamp() == null)
        .filter(n -> !Boolean.TRUE.equals(n.getSpec() == null ? null : n.getSpec().getUnschedulable()))
        .filter(n -> n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions()
            .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .filter(n -> load.getOrDefault(n.getMetadata().getName(), 0L) < capacity(n))
        .min(Comparator.comparingLong((Node n) -> siblings.getOrDefault(n.getMetadata().getName(), 0L))
            .thenComparingLong(n -> load.getOrDefault(n.getMetadata().getName(), 0L))
            .thenComparing(n -> n.getMetadata().getName()))
        .map(n -> n.getMetadata().getName());
  }

  /** The first local node by name: the one that reports a pod unschedulable (so only one does). */
  public static Optional<String> reporter(List<Node> nodes) {
    return nodes.stream().filter(n -> n.getMetadata().getLabels() != null
            && "true".equals(n.getMetadata().getLabels().get(LOCAL_NODE_LABEL)))
        .map(n -> n.getMetadata().getName()).sorted().findFirst();
  }

  /** Whether {@code other} counts against {@code pod}'s spread over nodes. */
  private static boolean spreadsWith(Pod pod, Pod other) {
    if (pod == null || pod.getSpec().getTopologySpreadConstraints() == null || other.getMetadata().getLabels() == null
        || pod.getMetadata().getNamespace() != null
            && !pod.getMetadata().getNamespace().equals(other.getMetadata().getNamespace())) {
      return false;
    }
    return pod.getSpec().getTopologySpreadConstraints().stream()
        .filter(c -> "kubernetes.io/hostname".equals(c.getTopologyKey()) && c.getLabelSelector() != null
            && c.getLabelSelector().getMatchLabels() != null)
        .anyMatch(c -> other.getMetadata().getLabels().entrySet().containsAll(
            c.getLabelSelector().getMatchLabels().entrySet()));
  }

  private static long capacity(Node n) {
    Map<String, Quantity> allocatable = n.getStatus().getAllocatable();
    Quantity pods = allocatable == null ? null : allocatable.get("pods");
    return pods == null ? Long.MAX_VALUE : pods.getNumericalAmount().longValue();
  }

  private static boolean finished(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }
}

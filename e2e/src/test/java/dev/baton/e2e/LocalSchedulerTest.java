package dev.baton.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.e2e.node.LocalScheduler;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalSchedulerTest {
  private static Node node(String name, boolean cordoned, int pods) {
    return new NodeBuilder().withNewMetadata().withName(name).addToLabels(LocalScheduler.LOCAL_NODE_LABEL, "true")
        .endMetadata().withNewSpec().withUnschedulable(cordoned).endSpec().withNewStatus()
        .withAllocatable(Map.of("pods", new Quantity(String.valueOf(pods))))
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
  }

  private static List<Pod> podsOn(String node, int count) {
    List<Pod> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new PodBuilder().withNewMetadata().withName(node + "-" + i).endMetadata().withNewSpec()
          .withNodeName(node).endSpec().withNewStatus().withPhase("Running").endStatus().build());
    }
    return out;
  }

  @Test
  void theLeastLoadedSchedulableNodeWithRoomIsChosen() {
    List<Pod> pods = new ArrayList<>(podsOn("a", 3));
    pods.addAll(podsOn("b", 1));
    assertThat(LocalScheduler.choose(List.of(node("a", false, 10), node("b", false, 10)), pods)).hasValue("b");
    assertThat(LocalScheduler.choose(List.of(node("a", false, 10), node("b", true, 10)), pods))
        .as("a cordoned node takes no new pod").hasValue("a");
    assertThat(LocalScheduler.choose(List.of(node("a", false, 3), node("b", false, 1)), pods))
        .as("both full: unschedulable").isEmpty();
    assertThat(LocalScheduler.reporter(List.of(node("b", false, 1), node("a", false, 3)))).hasValue("a");
  }

  @Test
  void aPodThatSpreadsOverNodesGoesWhereFewestOfItsSiblingsRunEvenIfThatNodeIsBusier() {
    List<Pod> pods = new ArrayList<>(podsOn("a", 5));
    pods.add(new PodBuilder().withNewMetadata().withName("gw-1").withNamespace("ns").addToLabels("app", "gw")
        .endMetadata().withNewSpec().withNodeName("b").endSpec().withNewStatus().withPhase("Running").endStatus()
        .build());
    Pod gw = new PodBuilder().withNewMetadata().withName("gw-2").withNamespace("ns").addToLabels("app", "gw")
        .endMetadata().withNewSpec().addNewTopologySpreadConstraint().withMaxSkew(1)
        .withTopologyKey("kubernetes.io/hostname").withWhenUnsatisfiable("ScheduleAnyway").withNewLabelSelector()
        .addToMatchLabels("app", "gw").endLabelSelector().endTopologySpreadConstraint().endSpec().build();
    List<Node> nodes = List.of(node("a", false, 10), node("b", false, 10));
    assertThat(LocalScheduler.choose(gw, nodes, pods)).hasValue("a");
    Pod plain = new PodBuilder().withNewMetadata().withName("x").withNamespace("ns").endMetadata().withNewSpec()
        .endSpec().build();
    assertThat(LocalScheduler.choose(plain, nodes, pods)).as("no spread asked: least loaded").hasValue("b");
  }
}

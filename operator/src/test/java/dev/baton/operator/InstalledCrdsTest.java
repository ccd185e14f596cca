package dev.baton.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The operator's CRD check: which installed CRDs it refuses, and what it says. */
class InstalledCrdsTest {
  private static final String POOLS = "driverpools.baton.dev";

  private static ObjectNode schema(JsonNode crd) {
    return (ObjectNode) crd.path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
  }

  @Test
  void theCrdTheOperatorWasBuiltWithPasses() {
    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), InstalledCrds.bundled(POOLS))).isEmpty();
  }

  @Test
  void anInstalledCrdWithoutAStatusFieldTheOperatorWritesIsRefusedNamingTheField() {
    JsonNode installed = InstalledCrds.bundled(POOLS).deepCopy();
    ((ObjectNode) schema(installed).path("properties").path("status").path("properties")).remove("rollout");
    ((ObjectNode) schema(installed).path("properties").path("spec").path("properties").path("upgrade")
        .path("properties")).remove("revisionHistoryLimit");

    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), installed)).singleElement().asString()
        .contains("lacks spec.upgrade.revisionHistoryLimit, status.rollout");
  }

  @Test
  void aFieldMissingInsideAListItemIsFound() {
    JsonNode installed = InstalledCrds.bundled(POOLS).deepCopy();
    ObjectNode conditionItem = (ObjectNode) schema(installed).path("properties").path("status").path("properties")
        .path("conditions").path("items");
    ((ObjectNode) conditionItem.path("properties")).remove("observedGeneration");

    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), installed)).singleElement().asString()
        .contains("status.conditions[].observedGeneration");
  }

  @Test
  void fieldsUnderPreserveUnknownFieldsAreNotPrunedSoTheyPass() {
    JsonNode installed = InstalledCrds.bundled(POOLS).deepCopy();
    ObjectNode status = (ObjectNode) schema(installed).path("properties").path("status");
    status.remove("properties");
    status.put("x-kubernetes-preserve-unknown-fields", true);

    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), installed)).isEmpty();
  }

  @Test
  void aCrdThatDoesNotServeTheOperatorsVersionIsRefused() {
    JsonNode installed = InstalledCrds.bundled(POOLS).deepCopy();
    ((ObjectNode) ((ArrayNode) installed.path("spec").path("versions")).get(0)).put("served", false);

    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), installed)).singleElement().asString()
        .contains("does not serve version v1alpha1");
  }

  @Test
  void anOlderEnumWithoutAValueTheOperatorWritesIsRefusedNamingTheValue() {
    JsonNode installed = InstalledCrds.bundled(POOLS).deepCopy();
    ArrayNode phases = (ArrayNode) schema(installed).path("properties").path("status").path("properties")
        .path("rollout").path("properties").path("phase").path("enum");
    for (int i = phases.size() - 1; i >= 0; i--) {
      if (phases.get(i).asText().equals("RolledBack")) {
        phases.remove(i);
      }
    }

    assertThat(InstalledCrds.compare(POOLS, InstalledCrds.bundled(POOLS), installed)).singleElement().asString()
        .contains("status.rollout.phase=RolledBack");
  }
}

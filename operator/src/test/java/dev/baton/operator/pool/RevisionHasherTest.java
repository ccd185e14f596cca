package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.baton.api.model.DriverSpec;
import dev.baton.api.model.EngineSpec;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionHasherTest {
  private static DriverSpec spec(String image) {
    DriverSpec d = new DriverSpec();
    d.setImage(image);
    return d;
  }

  private static final String GOLDEN_BARE = "c7816f0bcb";
  private static final String GOLDEN_FULL = "e5c092a8fd";
  private static final String GOLDEN_RESTARTED = "e74e8a3a74";

  @Test
  void sameUserSpecSameRevision() {
    assertThat(RevisionHasher.revision(spec("baton-driver:1.0"))).isEqualTo(RevisionHasher.revision(spec("baton-driver:1.0")))
        .hasSize(10);
    assertThat(RevisionHasher.revision(spec("baton-driver:1.0"))).isNotEqualTo(RevisionHasher.revision(spec("baton-driver:1.1")));
  }

  /**
   * Pinned: a change to hashing would give every running pool a new revision and roll every
   * driver of every cluster when the operator is upgraded. If this fails, the change is wrong.
   */
  @Test
  void goldenRevisionsOfFixedSpecsNeverChange() {
    assertThat(RevisionHasher.revision(spec("registry.example/baton-driver:1.0.0"))).isEqualTo(GOLDEN_BARE);
    DriverSpec full = spec("registry.example/baton-driver:1.2.0");
    full.setEnv(List.of(new EnvVarBuilder().withName("BATON_DATA_DIRS").withValue("/data").build()));
    full.getEngine().setThreads(2);
    full.getEngine().setMemoryLimit("512Mi");
    assertThat(RevisionHasher.revision(full)).isEqualTo(GOLDEN_FULL);
    assertThat(RevisionHasher.revision(spec("registry.example/baton-driver:1.0.0"), "2026-11-22T10:00:00Z"))
        .isEqualTo(GOLDEN_RESTARTED);
    // The driver kind arrived later: writing the default out is the same revision.
    DriverSpec reference = spec("registry.example/baton-driver:1.0.0");
    reference.setKind(dev.baton.api.model.DriverKind.Reference);
    assertThat(RevisionHasher.revision(reference)).isEqualTo(GOLDEN_BARE);
    DriverSpec spark = spec("registry.example/baton-driver:1.0.0");
    spark.setKind(dev.baton.api.model.DriverKind.SparkConnect);
    assertThat(RevisionHasher.revision(spark)).isNotEqualTo(GOLDEN_BARE);
  }

  @Test
  void aRestartAnnotationIsANewRevisionAndItsAbsenceIsNot() {
    DriverSpec d = spec("d:1");
    assertThat(RevisionHasher.revision(d, null)).isEqualTo(RevisionHasher.revision(d));
    assertThat(RevisionHasher.revision(d, "")).isEqualTo(RevisionHasher.revision(d));
    assertThat(RevisionHasher.revision(d, "a")).isNotEqualTo(RevisionHasher.revision(d))
        .isNotEqualTo(RevisionHasher.revision(d, "b"));
  }

  @Test
  void emptyAndAbsentFieldsHashAlike() {
    DriverSpec bare = spec("d:1");
    bare.setEnv(null);
    bare.setEngine(null);
    DriverSpec defaulted = spec("d:1");
    defaulted.setEnv(new ArrayList<>());
    defaulted.setEngine(new EngineSpec());
    assertThat(RevisionHasher.revision(bare)).isEqualTo(RevisionHasher.revision(defaulted));
  }

  @Test
  void userSetFieldsChangeTheRevision() {
    DriverSpec withEnv = spec("d:1");
    withEnv.setEnv(List.of(new EnvVarBuilder().withName("X").withValue("1").build()));
    DriverSpec withThreads = spec("d:1");
    withThreads.getEngine().setThreads(4);
    String base = RevisionHasher.revision(spec("d:1"));
    assertThat(RevisionHasher.revision(withEnv)).isNotEqualTo(base);
    assertThat(RevisionHasher.revision(withThreads)).isNotEqualTo(base);
  }

  /**
   * The hash excludes defaults only because the schema declares none under spec.driver (other
   * than the empty engine object): a default there would be persisted into every pool and change
   * its revision when an operator upgrade adds it. This guards that rule.
   */
  @Test
  void theSchemaDefinesNoDefaultsUnderDriver() throws Exception {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(Path.of("..", "crds", "driverpools.baton.dev.yaml").toFile());
    JsonNode driver = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/driver");
    List<String> defaults = new ArrayList<>();
    collectDefaults(driver, "spec.driver", defaults);
    assertThat(defaults).containsOnly("spec.driver.engine={}");
  }

  private static void collectDefaults(JsonNode node, String path, List<String> out) {
    if (node.has("default")) {
      out.add(path + "=" + node.get("default"));
    }
    JsonNode props = node.get("properties");
    if (props != null) {
      props.fields().forEachRemaining(e -> collectDefaults(e.getValue(), path + "." + e.getKey(), out));
    }
  }
}

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

  @Test
  void sameUserSpecSameRevision() {
    assertThat(RevisionHasher.revision(spec("baton-driver:1.0"))).isEqualTo(RevisionHasher.revision(spec("baton-driver:1.0")))
        .hasSize(10);
    assertThat(RevisionHasher.revision(spec("baton-driver:1.0"))).isNotEqualTo(RevisionHasher.revision(spec("baton-driver:1.1")));
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

package dev.baton.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CRDs committed in crds/ must be exactly what the model generates, so what users install
 * always matches what the operator was built for. To accept a model change, run
 * {@code ./mvnw -pl operator test -Dbaton.updateCrds=true} and commit crds/.
 */
class CrdDriftTest {
  private static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8");
  private static final Path COMMITTED = Path.of("..", "crds");
  private static final Map<String, String> FILES = Map.of(
      "driverpools.baton.dev-v1.yml", "driverpools.baton.dev.yaml",
      "clientsessions.baton.dev-v1.yml", "clientsessions.baton.dev.yaml");

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    boolean update = Boolean.getBoolean("baton.updateCrds");
    for (var e : FILES.entrySet()) {
      String generated = Files.readString(GENERATED.resolve(e.getKey()));
      Path committed = COMMITTED.resolve(e.getValue());
      if (update) {
        Files.writeString(committed, generated);
      }
      assertThat(Files.exists(committed)).as("%s is committed", committed).isTrue();
      assertThat(Files.readString(committed))
          .as("%s differs from the model; run ./mvnw -pl operator test -Dbaton.updateCrds=true and commit crds/",
              committed)
          .isEqualTo(generated);
    }
  }
}

package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's crds/ are the generated crds/ (CRDs from the model, checked by the api module's
 * CrdDriftTest) byte for byte. To update: {@code cp crds/*.yaml helm/baton/crds/}.
 */
class ChartCrdsTest {
  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void chartCrdsAreByteIdenticalToTheGeneratedCrds() throws IOException {
    Path generated = Path.of("..", "crds");
    Path chart = Path.of("baton", "crds");

    assertThat(names(chart)).as("files in helm/baton/crds/ (cp crds/*.yaml helm/baton/crds/)")
        .isEqualTo(names(generated));
    for (String name : names(generated)) {
      assertThat(Files.readAllBytes(chart.resolve(name)))
          .as("helm/baton/crds/%s differs from crds/%s: cp crds/*.yaml helm/baton/crds/", name, name)
          .isEqualTo(Files.readAllBytes(generated.resolve(name)));
    }
  }
}

package dev.baton.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CRDs committed in crds/ must be exactly what the model generates, so what users install
 * always matches what the operator was built for. To accept a model change, run
 * {@code ./mvnw -pl api test -Dbaton.updateCrds=true} and commit crds/.
 *
 * <p>One deterministic step follows the generator: it lists printer columns sorted by JSON
 * path, so their order is set here to the order users read them in.
 */
class CrdDriftTest {
  private static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8");
  private static final Path COMMITTED = Path.of("..", "crds");
  private static final Map<String, String> FILES = Map.of(
      "driverpools.baton.dev-v1.yml", "driverpools.baton.dev.yaml",
      "clientsessions.baton.dev-v1.yml", "clientsessions.baton.dev.yaml");
  private static final List<String> COLUMN_ORDER =
      List.of("READY", "UPDATED", "SESSIONS", "REVISION", "POOL", "PHASE", "DRIVER", "AVAILABLE", "AGE");

  @Test
  void committedCrdsMatchTheModel() throws Exception {
    boolean update = Boolean.getBoolean("baton.updateCrds");
    for (var e : FILES.entrySet()) {
      String generated = orderColumns(Files.readString(GENERATED.resolve(e.getKey())));
      Path committed = COMMITTED.resolve(e.getValue());
      if (update) {
        Files.writeString(committed, generated);
      }
      assertThat(Files.exists(committed)).as("%s is committed", committed).isTrue();
      assertThat(Files.readString(committed))
          .as("%s differs from the model; run ./mvnw -pl api test -Dbaton.updateCrds=true and commit crds/",
              committed)
          .isEqualTo(generated);
    }
  }

  @Test
  void columnsAreInReadingOrder() throws Exception {
    String pool = Files.readString(COMMITTED.resolve("driverpools.baton.dev.yaml"));
    List<String> names = new ArrayList<>();
    for (String line : pool.lines().toList()) {
      if (line.matches("\\s+name: \"[A-Z]+\"")) {
        names.add(line.strip().substring(7, line.strip().length() - 1));
      }
    }
    assertThat(names).containsSubsequence("READY", "UPDATED", "SESSIONS", "REVISION", "AVAILABLE", "AGE");
  }

  /** Reorders the items of the additionalPrinterColumns list (text level, formatting kept). */
  static String orderColumns(String yaml) {
    List<String> lines = new ArrayList<>(yaml.lines().toList());
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals("additionalPrinterColumns:") || lines.get(i).strip().equals("- additionalPrinterColumns:")) {
        start = i;
        break;
      }
    }
    if (start < 0) {
      return yaml;
    }
    String itemIndent = lines.get(start + 1).substring(0, lines.get(start + 1).indexOf('-'));
    List<List<String>> items = new ArrayList<>();
    int i = start + 1;
    while (i < lines.size() && lines.get(i).startsWith(itemIndent)
        && (lines.get(i).startsWith(itemIndent + "-") || lines.get(i).startsWith(itemIndent + " "))) {
      if (lines.get(i).startsWith(itemIndent + "-")) {
        items.add(new ArrayList<>());
      }
      items.get(items.size() - 1).add(lines.get(i));
      i++;
    }
    items.sort(Comparator.comparingInt(item -> {
      for (String l : item) {
        String t = l.strip().replaceFirst("^- ", "");
        if (t.startsWith("name: ")) {
          int index = COLUMN_ORDER.indexOf(t.substring(6).replace("\"", ""));
          return index < 0 ? COLUMN_ORDER.size() : index;
        }
      }
      return COLUMN_ORDER.size();
    }));
    List<String> out = new ArrayList<>(lines.subList(0, start + 1));
    items.forEach(out::addAll);
    out.addAll(lines.subList(i, lines.size()));
    return String.join("\n", out) + (yaml.endsWith("\n") ? "\n" : "");
  }
}

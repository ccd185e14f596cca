package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * The Argo CD health checks in {@code helm/baton/argocd/resource_customizations}, run by a real
 * Lua interpreter (luaj) over every fixture their {@code health_test.yaml} lists — the layout and
 * test format of Argo CD's own resource customizations.
 */
class ArgoCdHealthTest {
  static final Path CUSTOMIZATIONS = Path.of("baton", "argocd", "resource_customizations", "baton.dev");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static Stream<Arguments> fixtures() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (String kind : List.of("DriverPool", "ClientSession")) {
      Map<?, ?> tests = YAML.readValue(CUSTOMIZATIONS.resolve(kind).resolve("health_test.yaml").toFile(), Map.class);
      for (Object t : (List<?>) tests.get("tests")) {
        Map<?, ?> test = (Map<?, ?>) t;
        Map<?, ?> expected = (Map<?, ?>) test.get("healthStatus");
        out.add(Arguments.of(kind, test.get("inputPath"), expected.get("status"), expected.get("message")));
      }
    }
    return out.stream();
  }

  /** Only the libraries Argo CD opens (base, table, string, math), so a script cannot lean on more. */
  private static Globals argoCdGlobals() {
    Globals g = new Globals();
    g.load(new BaseLib());
    g.load(new PackageLib());
    g.load(new TableLib());
    g.load(new StringLib());
    g.load(new JseMathLib());
    LoadState.install(g);
    LuaC.install(g);
    return g;
  }

  static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable();
      map.forEach((k, v) -> t.set(String.valueOf(k), toLua(v)));
      return t;
    }
    if (value instanceof List<?> list) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        t.set(i + 1, toLua(list.get(i)));
      }
      return t;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue()); // Argo CD hands Lua JSON numbers
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(String.valueOf(value));
  }

  static LuaValue health(String kind, Path input) throws IOException {
    Globals g = argoCdGlobals();
    g.set("obj", toLua(YAML.readValue(input.toFile(), Map.class)));
    String script = Files.readString(CUSTOMIZATIONS.resolve(kind).resolve("health.lua"));
    return g.load(script, kind + "/health.lua").call();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("fixtures")
  void healthMatchesTheFixture(String kind, String inputPath, String status, String message) throws IOException {
    LuaValue hs = health(kind, CUSTOMIZATIONS.resolve(kind).resolve(inputPath));

    assertThat(hs.get("status").tojstring()).isEqualTo(status);
    assertThat(hs.get("message").tojstring()).isEqualTo(message);
  }

  @Test
  void everyArgoCdHealthStatusExceptMissingAndUnknownIsCoveredForThePool() throws IOException {
    assertThat(fixtures().filter(a -> a.get()[0].equals("DriverPool")).map(a -> a.get()[2]).distinct())
        .containsExactlyInAnyOrder("Healthy", "Progressing", "Degraded", "Suspended");
  }

  @Test
  void theScriptsUseNothingLua51Lacks() throws IOException {
    for (String kind : List.of("DriverPool", "ClientSession")) {
      String script = Files.readString(CUSTOMIZATIONS.resolve(kind).resolve("health.lua"));
      assertThat(script).as(kind).doesNotContain("goto ", "table.unpack", "_ENV", "bit32", "table.pack", "rawlen",
          "load(", "string.format(\"%q");
    }
  }
}

package dev.baton.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DriverSettingsTest {
  @Test
  void flagsWinOverEnvironmentWhichWinsOverDefaults() {
    DriverSettings s = DriverSettings.parse(new String[] {"--port=16000", "--version", "1.2.3"},
        Map.of("BATON_PORT", "15500", "BATON_REVISION", "abc", "BATON_DATA_DIRS", "/d1, /d2"));
    assertThat(s.port()).isEqualTo(16000);
    assertThat(s.version()).isEqualTo("1.2.3");
    assertThat(s.revision()).isEqualTo("abc");
    assertThat(s.dataDirectories()).containsExactly(Path.of("/d1"), Path.of("/d2"));
    assertThat(s.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void bindsThePodIpWhenGiven() {
    assertThat(DriverSettings.parse(new String[0], Map.of("POD_IP", "127.0.0.7")).host()).isEqualTo("127.0.0.7");
    assertThat(DriverSettings.parse(new String[0], Map.of()).host()).isEqualTo("0.0.0.0");
    assertThat(DriverSettings.parse(new String[0], Map.of()).port()).isEqualTo(15002);
  }

  @Test
  void unknownFlagsAreErrors() {
    assertThatThrownBy(() -> DriverSettings.parse(new String[] {"--prot=1"}, Map.of()))
        .hasMessageContaining("unknown flag --prot");
    assertThatThrownBy(() -> DriverSettings.parse(new String[] {"--port"}, Map.of()))
        .hasMessageContaining("--port needs a value");
  }
}

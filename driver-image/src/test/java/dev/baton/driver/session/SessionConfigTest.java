package dev.baton.driver.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionConfigTest {
  private final SessionDefaults defaults = new SessionDefaults(512L << 20, 1L << 30, 2, 4,
      Duration.ofMinutes(10), 64L << 20, 1L << 30, 0, 1L << 30);

  @Test
  void defaultsFillWhatTheClientDidNotAsk() {
    SessionConfig c = SessionConfig.open(defaults, Map.of("threads", "1", "user.team", "red"));
    assertThat(c.threads()).isEqualTo(1);
    assertThat(c.memoryLimitBytes()).isEqualTo(512L << 20);
    assertThat(c.operationTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.asMap()).containsEntry("user.team", "red");
  }

  @Test
  void unknownKeysAreRefusedByName() {
    assertThatThrownBy(() -> SessionConfig.open(defaults, Map.of("memroy_limit", "1GB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown config key 'memroy_limit'")
        .hasMessageContaining("user.");
  }

  @Test
  void engineValuesAreCheckedAgainstCeilings() {
    assertThatThrownBy(() -> SessionConfig.open(defaults, Map.of("memory_limit", "8GiB")))
        .hasMessageContaining("memory_limit: must be between 8MiB and 1024MiB");
    assertThatThrownBy(() -> SessionConfig.open(defaults, Map.of("memory_limit", "lots")))
        .hasMessageContaining("memory_limit: 'lots' is not a size");
    assertThatThrownBy(() -> SessionConfig.open(defaults, Map.of("threads", "9")))
        .hasMessageContaining("threads: must be between 1 and 4");
    assertThatThrownBy(() -> SessionConfig.open(defaults, Map.of("operation_timeout", "10 minutes")))
        .hasMessageContaining("operation_timeout: '10 minutes' is not a duration");
  }

  @Test
  void engineKeysAreFixedAfterOpen() {
    SessionConfig c = SessionConfig.open(defaults, Map.of());
    assertThatThrownBy(() -> c.withUserChanges(Map.of("memory_limit", "1GiB"), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("memory_limit is fixed when the session opens");
    SessionConfig changed = c.withUserChanges(Map.of("user.a", "1"), List.of());
    assertThat(changed.asMap()).containsEntry("user.a", "1");
    assertThat(changed.withUserChanges(Map.of(), List.of("user.a")).asMap()).doesNotContainKey("user.a");
  }

  @Test
  void quantitiesParse() {
    assertThat(Quantities.bytes("k", "1GiB")).isEqualTo(1L << 30);
    assertThat(Quantities.bytes("k", "1.5MB")).isEqualTo(1_500_000L);
    assertThat(Quantities.bytes("k", "42")).isEqualTo(42L);
    assertThat(Quantities.duration("k", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Quantities.duration("k", "2h")).isEqualTo(Duration.ofHours(2));
    assertThatThrownBy(() -> Quantities.bytes("k", "1XB")).hasMessageContaining("k:");
  }
}

package dev.baton.driver.testing;

import dev.baton.driver.engine.EngineSandbox;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.session.SessionConfig;
import dev.baton.driver.session.SessionDefaults;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;

/** A session's engine with small default limits, for tests of what runs in it. */
public final class TestEngines {
  private TestEngines() {}

  /** An engine that may read {@code data} and spill into {@code scratch}. */
  public static SessionEngine open(String sessionId, Path data, Path scratch, BufferAllocator allocator)
      throws SQLException {
    SessionDefaults defaults = new SessionDefaults(256L << 20, 1L << 30, 1, 2, Duration.ofMinutes(1),
        16L << 20, 1L << 30, 0, 1L << 30);
    return SessionEngine.open(sessionId, SessionConfig.open(defaults, Map.of()),
        new EngineSandbox(List.of(data), scratch), allocator);
  }
}

package dev.baton.driver.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.service.StatusErrors;
import dev.baton.driver.testing.TestEngines;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupt that arrives after the operation holds the engine but before its statement has
 * begun (while its SQL is compiled) finds no statement to cancel; it must still stop the
 * operation. Forced every time: the SQL source itself interrupts the operation, then hands over
 * a statement that would otherwise run for hours. (A cancel lost in the last instant before the
 * engine starts is sent again by the watchdog until the operation ends.)
 */
class StopRaceTest {
  @TempDir
  Path dir;

  @Test
  void aStopWhileTheSqlIsCompiledIsNotLost() throws Exception {
    ExecutorService pool = Executors.newCachedThreadPool();
    try (RootAllocator allocator = new RootAllocator()) {
      SessionEngine engine = TestEngines.open("stop-race-session-00000000", dir, dir.resolve("scratch"), allocator);
      SessionDefaults defaults = new SessionDefaults(256L << 20, 1L << 30, 1, 2, Duration.ofHours(1),
          16L << 20, 1L << 30, 0, 1L << 30);
      Session session = new Session("stop-race-session-00000000", "alice", Instant.now(),
          SessionConfig.open(defaults, Map.of()), engine);
      Operation op = new Operation("op-1", "fp", session.budget());
      session.putOperationIfAbsent(op);
      new OperationRunner(pool, t -> StatusErrors.toStatus(t).asRuntimeException()).start(session, op, () -> {
        op.stop(Operation.StopReason.INTERRUPTED);
        return "SELECT count(*) FROM range(100000) a, range(1000000) b WHERE a.range + b.range < 0";
      }, 1024);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!op.isFinished() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(op.isFinished()).as("the stopped operation ended instead of running its statement").isTrue();
      assertThat(op.read(0)).isInstanceOfSatisfying(Operation.Failed.class,
          f -> assertThat(f.status().getCode()).isEqualTo(Status.Code.CANCELLED));
      session.close();
    } finally {
      pool.shutdownNow();
    }
  }
}

package dev.baton.driver.it;

import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ListSessionsRequest;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Must show 5: a session over its memory limit fails its own query while another session on the
 * same driver completes correctly. Also: timeouts and interrupts stop one query, not the session.
 */
class IsolationIT {

  @Test
  void memoryLimitFailsOnlyTheRunawaySession() throws Exception {
    try (TestDriver driver = TestDriver.start();
        Session greedy = Baton.builder().target(driver.target()).principal("greedy")
            .config("memory_limit", "64MiB").config("threads", "1").connect();
        Session modest = Baton.builder().target(driver.target()).principal("modest").connect()) {
      CompletableFuture<Throwable> runaway = CompletableFuture.supplyAsync(() -> {
        try {
          greedy.sql("SELECT id, count(*) FROM (SELECT range % 40000000 AS id FROM range(40000000)) "
              + "GROUP BY id ORDER BY id").collect();
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      CompletableFuture<Long> fine = CompletableFuture.supplyAsync(() ->
          modest.range(0, 3_000_000).agg(sum(col("id")).as("s")).collect().get(0).getLong("s"));

      assertThat(fine.get(5, TimeUnit.MINUTES)).isEqualTo(3_000_000L * (3_000_000L - 1) / 2);
      Throwable failure = runaway.get(5, TimeUnit.MINUTES);
      assertThat(failure).isInstanceOfSatisfying(BatonException.class, e -> {
        assertThat(e.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getMessage()).contains("Out of Memory");
      });
      // The greedy session itself still works for queries that fit.
      assertThat(greedy.range(0, 1000).count()).isEqualTo(1000);
    }
  }

  @Test
  void timeoutAndInterruptStopOneQuery() throws Exception {
    try (TestDriver driver = TestDriver.start();
        Session s = Baton.builder().target(driver.target()).config("operation_timeout", "1s").connect()) {
      String slow = "SELECT count(*) FROM range(100000) a, range(1000000) b WHERE a.range + b.range < 0";
      assertThatThrownBy(() -> s.sql(slow).collect())
          .isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(e.getMessage()).contains("operation_timeout of 1s");
          });
      assertThat(s.range(0, 5).count()).isEqualTo(5);
    }
    try (TestDriver driver = TestDriver.start();
        Session s = Baton.connect(driver.target())) {
      String slow = "SELECT count(*) FROM range(100000) a, range(1000000) b WHERE a.range + b.range < 0";
      CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
        try {
          s.sql(slow).collect();
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      awaitRunning(driver);
      assertThat(s.interruptAll()).hasSize(1);
      assertThat(running.get(1, TimeUnit.MINUTES)).isInstanceOfSatisfying(BatonException.class,
          e -> assertThat(e.code()).isEqualTo(Status.Code.CANCELLED));
      assertThat(s.range(0, 5).count()).isEqualTo(5);
    }
  }

  private static void awaitRunning(TestDriver driver) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      var sessions = driver.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
      if (sessions.stream().anyMatch(x -> x.getOperationsRunning() > 0)) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("query never started");
  }
}

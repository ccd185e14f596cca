package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.RetryPolicy;
import dev.baton.client.Session;
import dev.baton.driver.testing.DriverProcess;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.StatusRequest;
import dev.baton.proto.v1.StatusResponse;
import io.grpc.Status;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Must show 6: a draining driver refuses new sessions and keeps serving existing ones. */
class DrainIT {

  @Test
  void drainingRefusesNewSessionsAndServesExistingOnes() throws Exception {
    try (TestDriver driver = TestDriver.start();
        Session existing = Baton.connect(driver.target())) {
      StatusResponse st = driver.control().drain(DrainRequest.getDefaultInstance());
      assertThat(st.getState()).isEqualTo(StatusResponse.State.DRAINING);
      assertThat(st.getSessions()).isEqualTo(1);

      assertThatThrownBy(() -> Baton.builder().target(driver.target()).retryPolicy(RetryPolicy.none()).connect())
          .isInstanceOfSatisfying(BatonException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getMessage()).contains("draining");
          });
      assertThat(existing.range(0, 1_000_000).count()).isEqualTo(1_000_000);
      existing.range(0, 10).createOrReplaceView("still_works");
      assertThat(existing.table("still_works").count()).isEqualTo(10);

      assertThat(driver.control().drain(DrainRequest.newBuilder().setResume(true).build()).getState())
          .isEqualTo(StatusResponse.State.ACCEPTING);
      try (Session again = Baton.builder().target(driver.target()).retryPolicy(RetryPolicy.none()).connect()) {
        assertThat(again.range(0, 3).count()).isEqualTo(3);
      }
    }
  }

  @Test
  void sigtermLetsTheInFlightStreamFinishThenExits() throws Exception {
    try (DriverProcess driver = DriverProcess.start("sigterm", Map.of("BATON_SHUTDOWN_GRACE", "60s"))) {
      long rows = 0;
      // The session ends with its driver: it is closed below, once the driver is gone, not by
      // try-with-resources, which would race the driver's exit right after the stream's end.
      Session s = Baton.builder().target(driver.target()).batchRows(10_000).retryPolicy(RetryPolicy.none()).connect();
      try (ArrowBatchStream stream = s.sql("SELECT range AS id, 'x' || range AS s FROM range(3000000)").stream()) {
        assertThat(stream.next()).isTrue();
        rows += stream.root().getRowCount();
        driver.terminate(); // SIGTERM while the operation is in flight
        // The driver stops opening sessions at once...
        awaitState(driver, StatusResponse.State.STOPPING);
        assertThatThrownBy(() -> Baton.builder().target(driver.target()).retryPolicy(RetryPolicy.none()).connect())
            .isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
        // ...but the stream in flight completes.
        while (stream.next()) {
          rows += stream.root().getRowCount();
        }
      }
      assertThat(rows).isEqualTo(3_000_000L);
      assertThat(driver.process().waitFor(60, TimeUnit.SECONDS)).as("driver exits after the grace wait").isTrue();
      assertThat(Files.readString(driver.log())).contains("driver stopped");
      assertThatThrownBy(s::close).as("the session went with its driver")
          .isInstanceOfSatisfying(BatonException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  private static void awaitState(DriverProcess d, StatusResponse.State want) throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      if (d.control().status(StatusRequest.getDefaultInstance()).getState() == want) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("driver never reached " + want);
  }
}

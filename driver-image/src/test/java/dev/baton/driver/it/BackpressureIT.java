package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ListSessionsRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Results a client has not read stay bounded on the driver, and none are dropped. */
class BackpressureIT {

  @Test
  void aClientThatStopsReadingBoundsTheDriversBufferAndLosesNothing() throws Exception {
    try (TestDriver driver = TestDriver.start(Map.of("BATON_SESSION_RESULT_BUFFER", "2MiB"));
        Session s = Baton.builder().target(driver.target()).batchRows(8192).connect();
        ArrowBatchStream stream = s.sql("SELECT range AS id, repeat('x', 100) AS pad FROM range(400000)").stream()) {
      assertThat(stream.next()).isTrue();
      long batchBytes = 8192L * (8 + 100 + 4) + 4096;
      // Stop reading and watch the driver's buffer settle: it may not grow past the budget.
      long previous = -1;
      long buffered = 0;
      for (int stable = 0; stable < 5; ) {
        Thread.sleep(100);
        buffered = driver.control().listSessions(ListSessionsRequest.getDefaultInstance())
            .getSessions(0).getBufferedBytes();
        stable = buffered == previous ? stable + 1 : 0;
        previous = buffered;
      }
      assertThat(buffered).isGreaterThan(0).isLessThanOrEqualTo((2L << 20) + batchBytes);
      long rows = stream.root().getRowCount();
      while (stream.next()) {
        rows += stream.root().getRowCount();
      }
      assertThat(rows).isEqualTo(400_000L);
    }
  }
}

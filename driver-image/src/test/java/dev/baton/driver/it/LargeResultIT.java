package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.driver.testing.TestDriver;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

/** Must show 1: a 5,000,000-row result through the SDK equals DuckDB's own in-process answer. */
class LargeResultIT {
  private static final String QUERY =
      "SELECT range AS id, CAST(range AS DOUBLE) * 0.5 AS v, 'row-' || range AS s FROM range(5000000)";

  @Test
  void fiveMillionRowsMatchInProcessDuckDb() throws Exception {
    long expectedCount;
    long expectedSumId;
    double expectedSumV;
    long expectedChars;
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*), sum(id), sum(v), sum(length(s)) FROM (" + QUERY + ")")) {
      rs.next();
      expectedCount = rs.getLong(1);
      expectedSumId = rs.getLong(2);
      expectedSumV = rs.getDouble(3);
      expectedChars = rs.getLong(4);
    }

    long count = 0;
    long sumId = 0;
    double sumV = 0;
    long chars = 0;
    long mismatched = 0;
    try (TestDriver driver = TestDriver.start();
        Session session = Baton.connect(driver.target());
        ArrowBatchStream stream = session.sql(QUERY).stream()) {
      while (stream.next()) {
        BigIntVector id = (BigIntVector) stream.root().getVector("id");
        Float8Vector v = (Float8Vector) stream.root().getVector("v");
        VarCharVector s = (VarCharVector) stream.root().getVector("s");
        for (int i = 0; i < stream.root().getRowCount(); i++) {
          long idValue = id.get(i);
          String text = new String(s.get(i), java.nio.charset.StandardCharsets.UTF_8);
          if (!text.equals("row-" + idValue) || v.get(i) != idValue * 0.5) {
            mismatched++;
          }
          count++;
          sumId += idValue;
          sumV += v.get(i);
          chars += text.length();
        }
      }
      assertThat(stream.rowCount()).isEqualTo(count);
    }
    assertThat(count).isEqualTo(5_000_000L).isEqualTo(expectedCount);
    assertThat(sumId).isEqualTo(expectedSumId);
    assertThat(sumV).isEqualTo(expectedSumV);
    assertThat(chars).isEqualTo(expectedChars);
    assertThat(mismatched).isZero();
  }
}

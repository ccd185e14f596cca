package dev.baton.bench;

import dev.baton.driver.engine.EngineSandbox;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.engine.SqlSandbox;
import dev.baton.driver.session.SessionConfig;
import dev.baton.driver.session.SessionDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;

/**
 * What the SQL sandbox adds to each statement a session runs: the check's time beside the time
 * DuckDB itself takes to parse and bind the same statement (a prepare), in one run, per kind of
 * statement. Prints medians over rounds and the ratio check / prepare.
 */
public final class SandboxBenchmark {
  private SandboxBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    Path dir = Files.createTempDirectory("baton-sandbox-bench");
    List<String[]> statements = List.of(
        new String[] {"compiled plan", "SELECT * FROM (SELECT range AS \"id\" FROM range(0, 10, 1)) AS \"_t0\" "
            + "WHERE (\"id\" > CAST(3 AS BIGINT))"},
        new String[] {"aggregate", "SELECT id % 7 AS k, count(*) AS n, sum(id) AS s FROM t GROUP BY 1 ORDER BY 1"},
        new String[] {"create table", "CREATE TABLE t2 AS SELECT * FROM t WHERE id > 5"},
        new String[] {"insert", "INSERT INTO t SELECT * FROM range(3)"});
    SessionDefaults defaults = new SessionDefaults(256L << 20, 1L << 30, 1, 2, Duration.ofMinutes(1),
        16L << 20, 1L << 30, 0, 1L << 30);
    try (RootAllocator allocator = new RootAllocator()) {
      SessionEngine engine = SessionEngine.open("sandbox-bench-session-000000", SessionConfig.open(defaults,
          Map.of()), new EngineSandbox(List.of(dir), dir.resolve("scratch")), allocator);
      engine.execute("CREATE TABLE t AS SELECT range AS id FROM range(1000)");
      Connection plain = DriverManager.getConnection("jdbc:duckdb:");
      plain.createStatement().execute("CREATE TABLE t AS SELECT range AS id FROM range(1000)");
      System.out.printf("%-14s %12s %12s %8s   (medians of %d rounds)%n", "statement", "check us", "prepare us",
          "ratio", rounds);
      for (String[] s : statements) {
        long[] check = new long[rounds];
        long[] prepare = new long[rounds];
        for (int warm = 0; warm < 2; warm++) {
          for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            engine.check(s[1], SqlSandbox.Use.STATEMENT);
            long t1 = System.nanoTime();
            try (PreparedStatement ps = plain.prepareStatement(s[1])) {
              ps.getMetaData();
            }
            long t2 = System.nanoTime();
            check[i] = t1 - t0;
            prepare[i] = t2 - t1;
          }
        }
        long c = median(check);
        long p = median(prepare);
        System.out.printf("%-14s %12.0f %12.0f %7.2fx%n", s[0], c / 1e3, p / 1e3, (double) c / p);
      }
      plain.close();
      engine.close();
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}

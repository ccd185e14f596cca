package dev.baton.bench;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * A large scan received by the SDK from a driver over loopback, against the same query exported
 * as Arrow by DuckDB inside this process (no network, no serialization): the cost of putting the
 * engine behind gRPC. Both sides run alternately in one run; medians are printed with the ratio.
 *
 * <p>With {@code -Dbaton.bench.flight=<host:port>} and {@code -Dbaton.bench.flightClasspath=<classpath>} a third
 * column scans the same query from Apache Arrow Flight serving DuckDB's export, client and server
 * each in its own JVM like the SDK and the driver ({@code bench-flight}).
 *
 * <p>Usage: {@code ScanBenchmark <driver host:port> [rows] [rounds] [batch rows]} (batch rows: what the SDK
 * asks the driver for; 0, the default, leaves it to the driver).
 */
public final class ScanBenchmark {
  private ScanBenchmark() {}

  /** One measured scan. */
  record Run(long rows, long bytes, long nanos) {
    double rowsPerSecond() {
      return rows / (nanos / 1e9);
    }

    double megabytesPerSecond() {
      return bytes / 1e6 / (nanos / 1e9);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ScanBenchmark <driver host:port> [rows=20000000] [rounds=5]");
      System.exit(2);
    }
    String target = args[0];
    long rows = args.length > 1 ? Long.parseLong(args[1]) : 20_000_000L;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int batchRows = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    String query = "SELECT range AS id, range * 2 AS v, 'row-' || range AS s FROM range(" + rows + ")";

    System.out.printf("scan of %,d rows x (BIGINT, BIGINT, VARCHAR), %d rounds after 1 warm-up each%n", rows, rounds);
    System.out.printf("query: %s%nbatch rows asked by the SDK: %s%n", query, batchRows == 0 ? "driver's default"
        : batchRows);
    List<Run> local = new ArrayList<>();
    List<Run> remote = new ArrayList<>();
    List<Run> flight = new ArrayList<>();
    String flightServer = System.getProperty("baton.bench.flight");
    FlightClientProcess flightClient = flightServer == null ? null : new FlightClientProcess(
        System.getProperty("baton.bench.flightClasspath"), flightServer,
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Xmx")).toList());
    try (FlightClientProcess closing = flightClient;
        BufferAllocator allocator = new RootAllocator();
        Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Session session = Baton.builder().target(target).principal("bench").config("threads", "2")
            .batchRows(batchRows).connect()) {
      try (Statement st = db.createStatement()) {
        st.execute("SET threads = 2"); // the driver's session runs with 2 threads too
      }
      inProcess(db, allocator, query);
      throughSdk(session, query);
      boolean flightWorks = flightClient != null && flightScan(flightClient, query) != null;
      for (int i = 0; i < rounds; i++) {
        local.add(inProcess(db, allocator, query));
        remote.add(throughSdk(session, query));
        if (flightWorks) {
          Run f = flightScan(flightClient, query);
          flightWorks = f != null;
          if (f != null) {
            flight.add(f);
          } else {
            flight.clear();
          }
        }
      }
    }
    Run l = median(local);
    Run r = median(remote);
    Run f = flight.isEmpty() ? null : median(flight);
    if (l.rows != rows || r.rows != rows || f != null && f.rows != rows) {
      throw new IllegalStateException("row counts differ: in-process " + l.rows + ", SDK " + r.rows
          + (f == null ? "" : ", Flight " + f.rows));
    }
    System.out.println();
    System.out.printf("%-40s %14s %12s %10s%n", "", "rows/s", "MB/s", "seconds");
    print("DuckDB in-process Arrow export", l);
    if (f != null) {
      print("Arrow Flight DoGet over loopback", f);
    }
    print("Baton SDK over loopback gRPC", r);
    System.out.printf("%nArrow data: %,d bytes per scan%n", l.bytes);
    System.out.printf("SDK / in-process: rows/s %.2f (goal >= 0.75)%n", r.rowsPerSecond() / l.rowsPerSecond());
    if (f != null) {
      System.out.printf("SDK / Flight:     rows/s %.2f (goal >= 1.00); Flight / in-process %.2f%n",
          r.rowsPerSecond() / f.rowsPerSecond(), f.rowsPerSecond() / l.rowsPerSecond());
    }
  }

  /** One Flight scan; null (and why, on stderr) when the Flight peer failed: the column is dropped. */
  private static Run flightScan(FlightClientProcess client, String query) {
    try {
      return client.scan(query);
    } catch (java.io.IOException | RuntimeException e) {
      System.err.println("no Flight column: " + e.getMessage());
      return null;
    }
  }

  private static void print(String name, Run run) {
    System.out.printf("%-40s %,14.0f %,12.1f %10.3f%n", name, run.rowsPerSecond(), run.megabytesPerSecond(),
        run.nanos / 1e9);
  }

  private static Run median(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    Collections.sort(sorted, (a, b) -> Long.compare(a.nanos, b.nanos));
    return sorted.get(sorted.size() / 2);
  }

  private static Run inProcess(Connection db, BufferAllocator allocator, String query) throws Exception {
    long start = System.nanoTime();
    long rows = 0;
    long bytes = 0;
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery(query);
        ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, 65536)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        rows += root.getRowCount();
        bytes += arrowBytes(root);
      }
    }
    return new Run(rows, bytes, System.nanoTime() - start);
  }

  private static Run throughSdk(Session session, String query) {
    long start = System.nanoTime();
    long rows = 0;
    long bytes = 0;
    try (ArrowBatchStream stream = session.sql(query).stream()) {
      while (stream.next()) {
        rows += stream.root().getRowCount();
        bytes += arrowBytes(stream.root());
      }
    }
    return new Run(rows, bytes, System.nanoTime() - start);
  }

  private static long arrowBytes(VectorSchemaRoot root) {
    long bytes = 0;
    for (FieldVector v : root.getFieldVectors()) {
      bytes += v.getBufferSize();
    }
    return bytes;
  }
}

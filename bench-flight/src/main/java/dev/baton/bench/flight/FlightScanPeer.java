package dev.baton.bench.flight;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * The Arrow Flight peer of {@code ./bench scan}, two processes like Baton's driver and SDK:
 *
 * <ul>
 *   <li>{@code serve <port>}: a Flight server on loopback whose {@code DoGet} ticket is a SQL
 *       query, answered with DuckDB's Arrow export of it (65,536-row batches, 2 threads: what a
 *       Baton driver's session uses), sent as the client's flow-control window allows. Prints {@code listening}.
 *   <li>{@code client <host:port>}: for each line of standard input (a query) scans it with a
 *       Flight client and prints {@code <rows> <Arrow bytes> <nanoseconds>}.
 * </ul>
 */
public final class FlightScanPeer {
  private FlightScanPeer() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("serve")) {
      serve(Integer.parseInt(args[1]));
    } else if (args.length == 2 && args[0].equals("client")) {
      client(args[1]);
    } else {
      System.err.println("usage: FlightScanPeer serve <port> | client <host:port>");
      System.exit(2);
    }
  }

  private static void serve(int port) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        Connection db = DriverManager.getConnection("jdbc:duckdb:")) {
      try (Statement st = db.createStatement()) {
        st.execute("SET threads = 2");
      }
      FlightServer server = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", port),
          new DuckDbExport(db, allocator)).build();
      server.start();
      System.out.println("listening " + server.getPort());
      System.out.flush();
      server.awaitTermination();
    }
  }

  /** DoGet: the ticket's query, as DuckDB exports it. */
  private static final class DuckDbExport extends NoOpFlightProducer {
    private final Connection db;
    private final BufferAllocator allocator;

    DuckDbExport(Connection db, BufferAllocator allocator) {
      this.db = db;
      this.allocator = allocator;
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      String query = new String(ticket.getBytes(), StandardCharsets.UTF_8);
      // Flow control as the driver's: a batch goes out only when the client's window has room.
      Object ready = new Object();
      listener.setOnReadyHandler(() -> {
        synchronized (ready) {
          ready.notifyAll();
        }
      });
      try (Statement st = db.createStatement();
          ResultSet rs = st.executeQuery(query);
          ArrowReader reader = (ArrowReader) ((DuckDBResultSet) rs).arrowExportStream(allocator, 65536)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        listener.start(root);
        while (reader.loadNextBatch()) {
          synchronized (ready) {
            while (!listener.isReady() && !listener.isCancelled()) {
              ready.wait(10);
            }
          }
          if (listener.isCancelled()) {
            return;
          }
          listener.putNext();
        }
        listener.completed();
      } catch (Exception e) {
        listener.error(CallStatus.INTERNAL.withDescription(e.toString()).toRuntimeException());
      }
    }
  }

  private static void client(String target) throws Exception {
    int colon = target.lastIndexOf(':');
    Location server = Location.forGrpcInsecure(target.substring(0, colon),
        Integer.parseInt(target.substring(colon + 1)));
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, server).build()) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String query = in.readLine(); query != null; query = in.readLine()) {
        long start = System.nanoTime();
        long rows = 0;
        long bytes = 0;
        try (FlightStream stream = client.getStream(new Ticket(query.getBytes(StandardCharsets.UTF_8)))) {
          VectorSchemaRoot root = stream.getRoot();
          while (stream.next()) {
            rows += root.getRowCount();
            for (FieldVector v : root.getFieldVectors()) {
              bytes += v.getBufferSize();
            }
          }
        }
        System.out.println(rows + " " + bytes + " " + (System.nanoTime() - start));
        System.out.flush();
      }
    }
  }
}

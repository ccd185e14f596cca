package dev.baton.client.demo;

import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.count;
import static dev.baton.client.Functions.lit;
import static dev.baton.client.Functions.max;
import static dev.baton.client.Functions.sum;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.Row;
import dev.baton.client.Session;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;

/**
 * The local demo: a session on driver A, a few queries, then the session handed to driver B
 * (drain, frozen export, import, release) the way the operator moves a session, and the same queries
 * again on B with the same session id. Run by ./demo, which starts both drivers.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Demo <driverA host:port> <driverB host:port>");
      System.exit(2);
    }
    String a = args[0];
    String b = args[1];
    say("Opening a session on driver A (" + a + ")");
    String sessionId;
    List<Row> before;
    try (Session s = Baton.builder().target(a).principal("demo-user").config("user.team", "analytics").connect()) {
      sessionId = s.id();
      say("  session " + sessionId + ", config " + s.openConfig());

      say("Creating a table with SQL and a view with the DataFrame API");
      s.sql("CREATE TABLE trips AS SELECT range AS id, (range % 7) AS zone, "
          + "CAST(2 + (range * 37 % 1000) / 10 AS DECIMAL(10, 2)) AS fare FROM range(1000000)").collect();
      // DECIMAL sums are exact, so results can be compared digit for digit after the handoff.
      s.table("trips").filter(col("fare").gt(lit(50))).groupBy("zone")
          .agg(count().as("trips"), sum(col("fare")).as("revenue"), max(col("fare")).as("top_fare"))
          .createOrReplaceView("expensive_by_zone");
      before = s.table("expensive_by_zone").orderBy(col("zone")).collect();
      printTable(before);

      say("Streaming 5,000,000 rows as Arrow batches");
      long start = System.nanoTime();
      try (ArrowBatchStream stream = s.range(0, 5_000_000).withColumn("square", col("id").times(col("id"))).stream()) {
        while (stream.next()) {
          // rows arrive batch by batch; nothing is kept here
        }
        double secs = (System.nanoTime() - start) / 1e9;
        say(String.format("  %,d rows in %d batches, %.2f s (%,.0f rows/s)", stream.rowCount(),
            stream.batchCount(), secs, stream.rowCount() / secs));
      }

      say("A bad plan gets a clear error and loses nothing");
      try {
        s.table("trips").select(col("distance")).collect();
      } catch (BatonException e) {
        say("  " + e.getMessage().lines().findFirst().orElse(""));
      }

      say("Handing the session from driver A to driver B (drain, frozen export, import, release)");
      handoff(a, b, sessionId);
      s.detach(); // the session lives on at B: closing this object must not close it
    }
    // The session object above closed its channel to A; the id lives on at B.
    try (Session s = Baton.builder().target(b).principal("demo-user").attach(sessionId).connect()) {
      say("Same session id on driver B: " + s.id() + ", config user.team=" + s.config().get("user.team"));
      List<Row> after = s.table("expensive_by_zone").orderBy(col("zone")).collect();
      printTable(after);
      say(after.equals(before) ? "  identical results after the handoff" : "  RESULTS DIFFER after the handoff");
      if (!after.equals(before)) {
        System.exit(1);
      }
    }
    say("Done.");
  }

  private static void handoff(String from, String to, String sessionId) {
    ManagedChannel src = NettyChannelBuilder.forTarget(from).usePlaintext().maxInboundMessageSize(512 << 20).build();
    ManagedChannel dst = NettyChannelBuilder.forTarget(to).usePlaintext().maxInboundMessageSize(512 << 20).build();
    try {
      var a = DriverControlGrpc.newBlockingStub(src);
      var b = DriverControlGrpc.newBlockingStub(dst);
      say("  driver A " + a.drain(DrainRequest.getDefaultInstance()).getState() + ", driver B version "
          + b.status(StatusRequest.getDefaultInstance()).getVersion());
      // Frozen first: from here driver A runs no call of the session (it answers SESSION_MOVING).
      SessionSnapshot snapshot = a.exportSession(ExportSessionRequest.newBuilder().setSessionId(sessionId)
          .setFreeze(true).build());
      say(String.format("  snapshot format %d: %d view(s), %d table(s), %,d bytes", snapshot.getFormatVersion(),
          snapshot.getViewsCount(), snapshot.getTablesCount(), snapshot.getSerializedSize()));
      b.importSession(snapshot);
      // The old copy goes; A keeps a tombstone that answers SESSION_MOVED, so late calls re-route.
      a.releaseSession(dev.baton.proto.v1.ReleaseSessionRequest.newBuilder().setSessionId(sessionId)
          .setMovedTo(to).build());
      say("  driver A released its copy (it answers SESSION_MOVED now); the session lives on driver B");
    } finally {
      src.shutdownNow();
      dst.shutdownNow();
    }
  }

  private static void printTable(List<Row> rows) {
    if (rows.isEmpty()) {
      say("  (no rows)");
      return;
    }
    say("  " + String.join(" | ", rows.get(0).columns()));
    for (Row r : rows) {
      say("  " + r);
    }
  }

  private static void say(String line) {
    System.out.println(line);
  }
}

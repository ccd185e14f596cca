package dev.baton.driver.it;

import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.count;
import static dev.baton.client.Functions.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.Row;
import dev.baton.client.Session;
import dev.baton.driver.testing.DriverProcess;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.Sql;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Must show 3: a session exported from one driver process and imported into another keeps its
 * config, views, tables and unread results; an older snapshot format imports on a newer driver.
 */
class SessionMoveIT {

  @Test
  void sessionMovesBetweenTwoDriverProcesses() throws Exception {
    try (DriverProcess a = DriverProcess.start("move-a", Map.of("BATON_DRIVER_VERSION", "1.0.0"));
        DriverProcess b = DriverProcess.start("move-b", Map.of("BATON_DRIVER_VERSION", "1.1.0"))) {
      String id;
      List<Row> adultsOnA;
      List<Row> totalsOnA;
      try (Session onA = Baton.builder().target(a.target()).principal("alice")
          .config("threads", "1").connect()) {
        id = onA.id();
        onA.setConfig("user.team", "blue");
        onA.sql("CREATE TEMP TABLE people AS SELECT range AS id, 'p' || range AS name, "
            + "(range * 7) % 60 AS age FROM range(1000)").collect();
        onA.sql("CREATE TABLE orders AS SELECT range AS id, range % 1000 AS person, range * 1.5 AS amount "
            + "FROM range(20000)").collect();
        onA.table("people").filter(col("age").geq(18)).createOrReplaceView("adults");
        onA.table("orders").groupBy("person").agg(sum(col("amount")).as("total"), count().as("n"))
            .createOrReplaceView("totals");
        adultsOnA = onA.table("adults").orderBy(col("id")).collect();
        totalsOnA = onA.table("totals").orderBy(col("person")).collect();
        assertThat(adultsOnA).hasSizeGreaterThan(100);

        // An operation whose results are only partly read when the session moves.
        ManagedChannel ch = NettyChannelBuilder.forTarget(a.target()).usePlaintext().build();
        try {
          Iterator<ExecutePlanResponse> it = ReattachIT.stub(ch, "alice").executePlan(
              ExecutePlanRequest.newBuilder().setSessionId(id).setOperationId("unread")
                  .setBatchRows(100).setPlan(Plan.newBuilder().setRoot(Relation.newBuilder()
                      .setSql(Sql.newBuilder().setQuery("SELECT range AS n FROM range(1000) ORDER BY n"))))
                  .build());
          assertThat(it.next().getIndex()).isEqualTo(0);
          assertThat(it.next().getIndex()).isEqualTo(1);
        } finally {
          ch.shutdownNow();
        }
        awaitNoRunningOperations(a);

        SessionSnapshot snapshot = a.control().exportSession(
            ExportSessionRequest.newBuilder().setSessionId(id).build());
        assertThat(snapshot.getFormatVersion()).isEqualTo(3);
        assertThat(snapshot.getExportedBy()).isEqualTo("1.0.0");
        assertThat(snapshot.getTablesList()).extracting(t -> t.getName()).containsExactlyInAnyOrder("people", "orders");
        var imported = b.control().importSession(snapshot);
        assertThat(imported.getSessionId()).isEqualTo(id);
      }

      try (Session onB = Baton.builder().target(b.target()).principal("alice").attach(id).connect()) {
        assertThat(onB.config()).containsEntry("user.team", "blue").containsEntry("threads", "1");
        assertThat(onB.views()).extracting(v -> v.getName()).containsExactly("adults", "totals");
        assertThat(onB.table("adults").orderBy(col("id")).collect()).isEqualTo(adultsOnA);
        assertThat(onB.table("totals").orderBy(col("person")).collect()).isEqualTo(totalsOnA);
        assertThat(onB.table("people").count()).isEqualTo(1000);

        // The unread results continue on B exactly after the last index the client saw.
        ManagedChannel ch = NettyChannelBuilder.forTarget(b.target()).usePlaintext().build();
        try {
          List<ExecutePlanResponse> rest = ReattachIT.drain(ReattachIT.stub(ch, "alice").reattach(
              ReattachRequest.newBuilder().setSessionId(id).setOperationId("unread").setAfterIndex(1).build()));
          assertThat(rest.get(0).getIndex()).isEqualTo(2);
          assertThat(rest.get(rest.size() - 1).hasComplete()).isTrue();
          long rows = rest.stream().filter(ExecutePlanResponse::hasBatch)
              .mapToLong(r -> r.getBatch().getRowCount()).sum();
          assertThat(rows).isEqualTo(900);
          for (int i = 1; i < rest.size(); i++) {
            assertThat(rest.get(i).getIndex()).isEqualTo(rest.get(i - 1).getIndex() + 1);
          }
        } finally {
          ch.shutdownNow();
        }
        // Another principal cannot use the moved session.
        assertThatThrownBy(() -> Baton.builder().target(b.target()).principal("mallory").attach(id)
            .connect().views())
            .hasMessageContaining("PERMISSION_DENIED");
      }
    }
  }

  @Test
  void olderSnapshotFormatImportsAndNewerIsRefused() throws Exception {
    try (DriverProcess b = DriverProcess.start("move-v1", Map.of())) {
      String id = "legacy-session-0000000001";
      SessionSnapshot v1 = SessionSnapshot.newBuilder().setFormatVersion(1).setSessionId(id)
          .setPrincipal("bob").putConfig("operation_timeout_ms", "1500").putConfig("user.k", "v")
          .putLegacyViewSql("answer", "SELECT 41 + 1 AS answer")
          .setExportedBy("0.9.0").build();
      var imported = b.control().importSession(v1);
      assertThat(imported.getImportedFormatVersion()).isEqualTo(1);
      try (Session s = Baton.builder().target(b.target()).principal("bob").attach(id).connect()) {
        assertThat(s.table("answer").collect().get(0).getLong("answer")).isEqualTo(42);
        assertThat(s.config()).containsEntry("operation_timeout", "1500ms").containsEntry("user.k", "v");
      }
      SessionSnapshot v4 = v1.toBuilder().setFormatVersion(4).setSessionId("future-session-00000000001").build();
      assertThatThrownBy(() -> b.control().importSession(v4))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("format 4 is newer");
          });
    }
  }

  private static void awaitNoRunningOperations(DriverProcess d) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      var sessions = d.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList();
      if (sessions.stream().allMatch(s -> s.getOperationsRunning() == 0)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("operations still running");
  }
}

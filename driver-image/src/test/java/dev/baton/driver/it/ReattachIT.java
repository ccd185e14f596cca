package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.ArrowBatchStream;
import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.driver.testing.TcpProxy;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.ReleaseRequest;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.Sql;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;

/** Must show 2: a connection cut mid-stream; the SDK reattaches; every batch once, in order. */
class ReattachIT {

  @Test
  void cutConnectionsAreResumedWithoutLossOrDuplicates() throws Exception {
    try (TestDriver driver = TestDriver.start();
        TcpProxy proxy = new TcpProxy("127.0.0.1", driver.server().port());
        Session session = Baton.builder().target(proxy.target()).batchRows(10_000).connect()) {
      long expectedNext = 0;
      long batches = 0;
      try (ArrowBatchStream stream = session.sql("SELECT range AS id FROM range(2000000) ORDER BY id").stream()) {
        while (stream.next()) {
          BigIntVector id = (BigIntVector) stream.root().getVector(0);
          for (int i = 0; i < stream.root().getRowCount(); i++) {
            assertThat(id.get(i)).as("row after %d", expectedNext - 1).isEqualTo(expectedNext);
            expectedNext++;
          }
          batches++;
          if (batches == 20 || batches == 100) {
            proxy.cutAll();
          }
        }
        assertThat(stream.reattachCount()).isGreaterThanOrEqualTo(2);
      }
      assertThat(expectedNext).isEqualTo(2_000_000L);
      assertThat(batches).isEqualTo(200);
      assertThat(proxy.accepted()).isGreaterThanOrEqualTo(3);
      // The session survived the cuts too.
      assertThat(session.range(0, 10).count()).isEqualTo(10);
    }
  }

  @Test
  void retriedExecutePlanAttachesInsteadOfRunningTwice() throws Exception {
    try (TestDriver driver = TestDriver.start();
        Session session = Baton.builder().target(driver.target()).principal("p").connect()) {
      session.sql("CREATE TABLE hits (n INTEGER)").collect();
      ManagedChannel ch = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
      try {
        var stub = stub(ch, "p");
        Plan insert = Plan.newBuilder().setRoot(Relation.newBuilder()
            .setSql(Sql.newBuilder().setQuery("INSERT INTO hits VALUES (1)"))).build();
        ExecutePlanRequest req = ExecutePlanRequest.newBuilder().setSessionId(session.id())
            .setOperationId("op-1").setPlan(insert).build();
        List<ExecutePlanResponse> first = drain(stub.executePlan(req));
        List<ExecutePlanResponse> second = drain(stub.executePlan(req));
        assertThat(second).isEqualTo(first);
        assertThat(session.table("hits").count()).isEqualTo(1);

        // Same id, different plan: refused.
        ExecutePlanRequest other = req.toBuilder().setPlan(Plan.newBuilder().setRoot(Relation.newBuilder()
            .setSql(Sql.newBuilder().setQuery("SELECT 1")))).build();
        assertThatThrownBy(() -> drain(stub.executePlan(other)))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

        // Released responses cannot be read again, and the error says from where to resume.
        stub.release(ReleaseRequest.newBuilder().setSessionId(session.id()).setOperationId("op-1")
            .setUpToIndex(1).build());
        assertThatThrownBy(() -> drain(stub.reattach(ReattachRequest.newBuilder()
            .setSessionId(session.id()).setOperationId("op-1").setAfterIndex(-1).build())))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription()).contains("reattach after index 1");
            });
        List<ExecutePlanResponse> rest = drain(stub.reattach(ReattachRequest.newBuilder()
            .setSessionId(session.id()).setOperationId("op-1").setAfterIndex(1).build()));
        assertThat(rest).extracting(ExecutePlanResponse::getIndex).containsExactly(2L);
        assertThat(rest.get(0).hasComplete()).isTrue();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  static SessionServiceGrpc.SessionServiceBlockingStub stub(ManagedChannel ch, String principal) {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("baton-principal", Metadata.ASCII_STRING_MARSHALLER), principal);
    return SessionServiceGrpc.newBlockingStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  static List<ExecutePlanResponse> drain(Iterator<ExecutePlanResponse> it) {
    List<ExecutePlanResponse> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}

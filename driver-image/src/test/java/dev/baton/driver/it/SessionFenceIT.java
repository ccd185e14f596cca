package dev.baton.driver.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.driver.testing.DriverProcess;
import dev.baton.proto.v1.DrainRequest;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.ExportSessionRequest;
import dev.baton.proto.v1.GetConfigRequest;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.MoveStatus;
import dev.baton.proto.v1.OpenSessionRequest;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ReleaseSessionRequest;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SessionState;
import dev.baton.proto.v1.SetConfigRequest;
import dev.baton.proto.v1.Sql;
import dev.baton.proto.v1.UnfreezeSessionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Iterator;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fence a move stands on, on real driver processes: a frozen session runs no call (each is
 * answered SESSION_MOVING), an unfreeze gives it back, a release leaves a tombstone that answers
 * SESSION_MOVED, import is exactly once, and operations still running can be stopped for the move
 * with a reason their caller reads.
 */
class SessionFenceIT {
  private static DriverProcess a;
  private static DriverProcess b;
  private static ManagedChannel toA;
  private static ManagedChannel toB;

  @BeforeAll
  static void start() throws Exception {
    a = DriverProcess.start("fence-a", Map.of());
    b = DriverProcess.start("fence-b", Map.of());
    toA = NettyChannelBuilder.forTarget(a.target()).usePlaintext().build();
    toB = NettyChannelBuilder.forTarget(b.target()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    toA.shutdownNow();
    toB.shutdownNow();
    a.close();
    b.close();
  }

  private static SessionServiceGrpc.SessionServiceBlockingStub alice(ManagedChannel ch) {
    return ReattachIT.stub(ch, "alice");
  }

  private static String open(String id) {
    return alice(toA).openSession(OpenSessionRequest.newBuilder().setSessionId(id).build()).getSessionId();
  }

  private static void assertReason(ThrowableAssert.ThrowingCallable call, String reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(MoveStatus.reason(e.getStatus(), e.getTrailers())).as(e.toString()).contains(reason);
    });
  }

  private static SetConfigRequest set(String id, String value) {
    return SetConfigRequest.newBuilder().setSessionId(id).putSet("user.k", value).build();
  }

  private static Map<String, String> config(ManagedChannel ch, String id) {
    return alice(ch).getConfig(GetConfigRequest.newBuilder().setSessionId(id).build()).getConfigMap();
  }

  @Test
  void aFrozenSessionRunsNoCallUntilItIsUnfrozen() {
    String id = open("fence-unfreeze-000000000001");
    alice(toA).setConfig(set(id, "before"));
    SessionSnapshot first = a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id)
        .setFreeze(true).build());
    assertThat(first.getConfigMap()).containsEntry("user.k", "before");
    assertThat(a.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .filteredOn(s -> s.getSessionId().equals(id)).extracting(s -> s.getState())
        .containsExactly(SessionState.SESSION_FROZEN);

    // Every kind of call is answered "moving" and runs nothing.
    assertReason(() -> alice(toA).setConfig(set(id, "during")), MoveStatus.SESSION_MOVING);
    assertReason(() -> alice(toA).getConfig(GetConfigRequest.newBuilder().setSessionId(id).build()),
        MoveStatus.SESSION_MOVING);
    assertReason(() -> alice(toA).executePlan(query(id, "op-during", "SELECT 1")).next(), MoveStatus.SESSION_MOVING);
    // Exporting again (a restarted operator resuming the move) gives the same state.
    assertThat(a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id).setFreeze(true).build())
        .getConfigMap()).isEqualTo(first.getConfigMap());

    assertThat(a.control().unfreezeSession(UnfreezeSessionRequest.newBuilder().setSessionId(id).build())
        .getWasFrozen()).isTrue();
    assertThat(config(toA, id)).as("the refused write never ran").containsEntry("user.k", "before");
    alice(toA).setConfig(set(id, "after"));
    assertThat(config(toA, id)).containsEntry("user.k", "after");
  }

  @Test
  void aReleasedSessionLeavesATombstoneThatAnswersMovedAndImportIsExactlyOnce() {
    String id = open("fence-release-0000000000001");
    alice(toA).setConfig(set(id, "moved"));
    assertThatThrownBy(() -> a.control().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(id).build()))
        .as("only a frozen copy can be released")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    // A reader of finished results on the old driver is sent on once the session has moved.
    // Far more than the transport's window: most of it is still on the driver when the session moves.
    Iterator<ExecutePlanResponse> reader = alice(toA).executePlan(query(id, "op-read",
        "SELECT range FROM range(2000000)").toBuilder().setBatchRows(1000).build());
    assertThat(reader.next().getIndex()).isZero();
    awaitFinished(id);

    SessionSnapshot snapshot = a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id)
        .setFreeze(true).build());
    assertThat(b.control().importSession(snapshot).getSessionId()).isEqualTo(id);
    assertThatThrownBy(() -> b.control().importSession(snapshot)).as("a second import is refused, not doubled")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

    assertThat(a.control().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(id).setMovedTo("fence-b")
        .build()).getReleased()).isTrue();
    assertThat(a.control().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(id).build()).getReleased())
        .as("releasing again is a no-op").isFalse();
    assertReason(() -> alice(toA).setConfig(set(id, "late")), MoveStatus.SESSION_MOVED);
    assertThatThrownBy(() -> ReattachIT.stub(toA, "mallory").setConfig(set(id, "probe")))
        .as("the tombstone tells only the session's owner where it went")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    // The stream of an operation that ran here is sent on to the new driver, not re-run.
    assertReason(() -> {
      while (reader.hasNext()) {
        reader.next();
      }
    }, MoveStatus.OPERATION_MOVED);
    assertThat(a.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList())
        .extracting(s -> s.getSessionId()).doesNotContain(id);
    assertThat(config(toB, id)).containsEntry("user.k", "moved");
  }

  @Test
  void aDrainingDriverRefusesAnImportDefinitely() {
    String id = open("fence-draining-000000000001");
    SessionSnapshot snapshot = a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id).build());
    b.control().drain(DrainRequest.getDefaultInstance());
    try {
      assertThatThrownBy(() -> b.control().importSession(snapshot))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    } finally {
      b.control().drain(DrainRequest.newBuilder().setResume(true).build());
    }
  }

  @Test
  void aSessionNeverHereIsATypedNotFound() {
    assertThatThrownBy(() -> alice(toB).getConfig(GetConfigRequest.newBuilder().setSessionId("never-here-000000000001")
        .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(MoveStatus.sessionNotFound(e.getStatus(), e.getTrailers())).isTrue();
        });
  }

  @Test
  void aRunningOperationIsRefusedByAFreezeOrStoppedWithAReasonItsCallerReads() throws Exception {
    String id = open("fence-running-0000000000001");
    String slow = "SELECT count(*) FROM range(100000000000) a";
    Iterator<ExecutePlanResponse> running = alice(toA).executePlan(query(id, "op-slow", slow));
    awaitRunning(id);
    assertThatThrownBy(() -> a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id)
        .setFreeze(true).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThat(config(toA, id)).as("a refused freeze leaves the session working").isNotEmpty();

    SessionSnapshot snapshot = a.control().exportSession(ExportSessionRequest.newBuilder().setSessionId(id)
        .setFreeze(true).setStopRunning(true).build());
    assertThat(snapshot.getOperationsList()).as("a stopped operation has no results to move").isEmpty();
    assertThatThrownBy(() -> {
      while (running.hasNext()) {
        running.next();
      }
    }).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
      assertThat(MoveStatus.reason(e.getStatus(), e.getTrailers())).contains(MoveStatus.OPERATION_STOPPED_FOR_MOVE);
    });
  }

  private static ExecutePlanRequest query(String id, String op, String sql) {
    return ExecutePlanRequest.newBuilder().setSessionId(id).setOperationId(op)
        .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder().setSql(Sql.newBuilder().setQuery(sql)))).build();
  }

  private static void awaitRunning(String id) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (a.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
          .anyMatch(s -> s.getSessionId().equals(id) && s.getOperationsRunning() > 0)) {
        return;
      }
      Thread.sleep(25);
    }
    throw new AssertionError("operation never ran");
  }

  private static void awaitFinished(String id) {
    for (int i = 0; i < 400; i++) {
      if (a.control().listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
          .anyMatch(s -> s.getSessionId().equals(id) && s.getOperationsRunning() == 0)) {
        return;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("operation never finished");
  }
}

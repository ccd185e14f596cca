package dev.baton.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.SparkReplayStep;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.CreateDataFrameViewCommand;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReattachOptions;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;

class CallTrackerTest {
  private static final String ID = "1c0a7b52-95d4-4b4f-8f8c-1a2b3c4d5e6f";
  private final SessionTable sessions = new SessionTable(Clock.systemUTC(), true);
  private final PlanEffects effects = new PlanEffects(sql -> Effect.NONE);

  private CallTracker call() {
    return new CallTracker(sessions, effects, false, Clock.systemUTC());
  }

  private static ExecutePlanRequest createView(String op, boolean reattachable) {
    ExecutePlanRequest.Builder r = ExecutePlanRequest.newBuilder().setSessionId(ID)
        .setUserContext(UserContext.newBuilder().setUserId("alice")).setOperationId(op)
        .setPlan(Plan.newBuilder().setCommand(Command.newBuilder().setCreateDataframeView(
            CreateDataFrameViewCommand.newBuilder().setName("v").setReplace(true))));
    if (reattachable) {
      r.addRequestOptions(ExecutePlanRequest.RequestOption.newBuilder()
          .setReattachOptions(ReattachOptions.newBuilder().setReattachable(true)));
    }
    return r.build();
  }

  private static ExecutePlanResponse complete(String op) {
    return ExecutePlanResponse.newBuilder().setSessionId(ID).setOperationId(op)
        .setResultComplete(ExecutePlanResponse.ResultComplete.getDefaultInstance()).build();
  }

  private TrackedSession session() {
    return sessions.get(ID).orElseThrow();
  }

  @Test
  void aReattachableCommandWhoseFirstStreamBrokeIsRecordedWhenItsReattachCompletesIt() {
    CallTracker first = call();
    first.onRequest(createView("op-1", true));
    first.onEnd(false); // the stream a reattach took over ends with an error
    assertThat(session().freeze()).as("the view is still being made").isFalse();
    CallTracker reattach = call();
    reattach.onRequest(ReattachExecuteRequest.newBuilder().setSessionId(ID)
        .setUserContext(UserContext.newBuilder().setUserId("alice")).setOperationId("op-1").build());
    reattach.onResponse(complete("op-1"));
    reattach.onEnd(true);
    assertThat(session().journal().steps()).extracting(SparkReplayStep::getSummary)
        .containsExactly("createOrReplaceTempView v");
    assertThat(session().freeze()).isTrue();
  }

  @Test
  void aNonReattachableCommandIsRecordedWhenItsStreamEndsOkAndForgottenWhenItFails() {
    CallTracker ok = call();
    ok.onRequest(createView("op-ok", false));
    ok.onEnd(true);
    CallTracker failed = call();
    failed.onRequest(createView("op-failed", false));
    failed.onEnd(false);
    assertThat(session().journal().steps()).hasSize(1);
    assertThat(session().operationsRunning()).isZero();
  }

  @Test
  void aReSentExecutePlanThatSparkRefusesDoesNotEndTheOperationItRepeats() {
    CallTracker original = call();
    original.onRequest(createView("op-2", true));
    CallTracker again = call();
    again.onRequest(createView("op-2", true));
    again.onEnd(false); // OPERATION_ALREADY_EXISTS
    assertThat(session().operationsRunning()).isEqualTo(1);
    original.onResponse(complete("op-2"));
    assertThat(session().journal().steps()).hasSize(1);
  }

  @Test
  void aFrozenSessionRefusesANewCallAndTracksNothingOfIt() {
    call().onRequest(createView("op-3", false));
    session().running().clear();
    assertThat(session().freeze()).isTrue();
    CallTracker refused = call();
    assertThatThrownBy(() -> refused.onRequest(createView("op-4", false)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    refused.onEnd(false);
    assertThat(session().operationsRunning()).isZero();
  }

  @Test
  void aPoolDriverAnswersACallForASessionItNeverOpenedNotFound() {
    SessionTable pool = new SessionTable(Clock.systemUTC(), false);
    CallTracker tracker = new CallTracker(pool, effects, false, Clock.systemUTC());
    assertThatThrownBy(() -> tracker.onRequest(createView("op-5", false)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .isEqualTo(io.grpc.Status.Code.NOT_FOUND));
    assertThat(pool.all()).isEmpty();
  }

  @Test
  void aPoolThatRefusesArtifactsAnswersAnUploadPermissionDeniedAndRecordsNothing() {
    call().onRequest(createView("op-6", false));
    CallTracker upload = new CallTracker(sessions, effects, false, Clock.systemUTC(), false);
    assertThatThrownBy(() -> upload.onRequest(org.apache.spark.connect.proto.AddArtifactsRequest.newBuilder()
        .setSessionId(ID).setUserContext(UserContext.newBuilder().setUserId("alice")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED));
    assertThat(session().journal().notMoved()).isEmpty();
  }
}

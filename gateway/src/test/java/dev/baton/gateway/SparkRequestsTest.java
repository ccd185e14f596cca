package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Reading and stamping Spark Connect requests as bytes. Messages are built by hand with the
 * fields Spark Connect gives them: 1 session_id, 2 user_context {1 user_id, 2 user_name}, 3 plan.
 */
class SparkRequestsTest {
  private static byte[] request(String sessionId, byte[] userContext, byte[] plan) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    if (plan != null) {
      out.writeBytes(3, ByteString.copyFrom(plan));
    }
    if (sessionId != null) {
      out.writeString(1, sessionId);
    }
    if (userContext != null) {
      out.writeBytes(2, ByteString.copyFrom(userContext));
    }
    out.flush();
    return buf.toByteArray();
  }

  private static byte[] userContext(String userId, String userName) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    if (userId != null) {
      out.writeString(1, userId);
    }
    out.writeString(2, userName);
    out.flush();
    return buf.toByteArray();
  }

  @Test
  void theSessionIdIsReadWhereverItStandsWithoutDecodingThePlan() throws IOException {
    byte[] plan = new byte[1000];
    java.util.Arrays.fill(plan, (byte) 0x7f); // not a valid message: never decoded
    assertThat(SparkRequests.sessionId(request("6f1c1c1e-0000-4000-8000-000000000001", null, plan)))
        .isEqualTo("6f1c1c1e-0000-4000-8000-000000000001");
    assertThat(SparkRequests.sessionId(request(null, null, plan))).isNull();
  }

  @Test
  void truncatedBytesAreRefused() {
    assertThatThrownBy(() -> SparkRequests.sessionId(new byte[] {0x0a, 0x30, 'a'})).isInstanceOf(IOException.class);
  }

  @Test
  void theUserIdIsReplacedByTheProvenPrincipalAndTheRestKept() throws Exception {
    byte[] stamped = SparkRequests.withUserId(request("s", userContext("mallory", "Mallory"), new byte[0]),
        "system:serviceaccount:ns:alice");
    org.apache.spark.connect.proto.ExecutePlanRequest parsed =
        org.apache.spark.connect.proto.ExecutePlanRequest.parseFrom(stamped);
    assertThat(parsed.getSessionId()).isEqualTo("s");
    assertThat(parsed.getUserContext().getUserId()).isEqualTo("system:serviceaccount:ns:alice");
    assertThat(parsed.getUserContext().getUserName()).isEqualTo("Mallory");
  }

  @Test
  void aRequestWithoutUserContextGetsOne() throws Exception {
    byte[] stamped = SparkRequests.withUserId(request("s", null, null), "token:bob");
    assertThat(org.apache.spark.connect.proto.ConfigRequest.parseFrom(stamped).getUserContext().getUserId())
        .isEqualTo("token:bob");
  }

  @Test
  void onlyLowercaseUuidsAreSessionIds() {
    assertThat(SparkRequests.SESSION_ID.matcher("6f1c1c1e-0000-4000-8000-000000000001").matches()).isTrue();
    assertThat(SparkRequests.SESSION_ID.matcher("6F1C1C1E-0000-4000-8000-000000000001").matches()).isFalse();
    assertThat(SparkRequests.SESSION_ID.matcher("cs-abc").matches()).isFalse();
  }

  @Test
  void onlyTheCallsThatStartASessionMayCreateOne() {
    assertThat(SparkRequests.opensSession("spark.connect.SparkConnectService/ExecutePlan")).isTrue();
    assertThat(SparkRequests.opensSession("spark.connect.SparkConnectService/AnalyzePlan")).isTrue();
    assertThat(SparkRequests.opensSession("spark.connect.SparkConnectService/Config")).isTrue();
    for (String late : new String[] {"ReleaseExecute", "ReattachExecute", "Interrupt", "FetchErrorDetails",
        "ArtifactStatus", "ReleaseSession"}) {
      assertThat(SparkRequests.opensSession("spark.connect.SparkConnectService/" + late)).as(late).isFalse();
    }
  }

  @Test
  void theOperationIdOfAnExecuteAReattachAndAReleaseIsReadAndOtherCallsHaveNone() throws IOException {
    var execute = org.apache.spark.connect.proto.ExecutePlanRequest.newBuilder().setSessionId("s")
        .setOperationId("op-1").build().toByteArray();
    var reattach = org.apache.spark.connect.proto.ReattachExecuteRequest.newBuilder().setSessionId("s")
        .setOperationId("op-2").build().toByteArray();
    var release = org.apache.spark.connect.proto.ReleaseExecuteRequest.newBuilder().setSessionId("s")
        .setOperationId("op-3").build().toByteArray();
    assertThat(SparkRequests.operationId(SparkRequests.EXECUTE_PLAN, execute)).isEqualTo("op-1");
    assertThat(SparkRequests.operationId(SparkRequests.REATTACH_EXECUTE, reattach)).isEqualTo("op-2");
    assertThat(SparkRequests.operationId(SparkRequests.RELEASE_EXECUTE, release)).isEqualTo("op-3");
    assertThat(SparkRequests.operationId(SparkRequests.SERVICE + "/Config", execute)).isNull();
    assertThat(SparkRequests.operationId(SparkRequests.EXECUTE_PLAN,
        org.apache.spark.connect.proto.ExecutePlanRequest.newBuilder().setSessionId("s").build().toByteArray()))
        .as("the server names it").isNull();
  }

  @Test
  void anOperationIsSentBackToTheDriverItStartedOnUntilItIsForgotten() {
    OperationPlaces places = new OperationPlaces(2, java.time.Duration.ofHours(1));
    places.started("s", "op", "10.0.0.1:15002");
    assertThat(places.placeOf("s", "op")).contains("10.0.0.1:15002");
    assertThat(places.placeOf("other-session", "op")).as("another session's operation of the same id").isEmpty();
  }
}

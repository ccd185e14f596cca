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
}

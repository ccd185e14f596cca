package dev.baton.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * What the gateway reads and changes in a Spark Connect request, as bytes: every request message
 * of {@code spark.connect.SparkConnectService} has the session id in field 1 (a string) and the
 * user context in field 2. Only top-level fields are walked; the plan is never decoded.
 */
final class SparkRequests {
  static final String SERVICE = "spark.connect.SparkConnectService";
  static final String RELEASE_SESSION = SERVICE + "/ReleaseSession";
  /**
   * The calls a Spark Connect client starts a session with. Only these create the session on
   * first use; any other (a late ReleaseExecute after ReleaseSession, say) must not bring a
   * released session back.
   */
  private static final java.util.Set<String> OPENING = java.util.Set.of(SERVICE + "/ExecutePlan",
      SERVICE + "/AnalyzePlan", SERVICE + "/Config");

  static boolean opensSession(String fullMethodName) {
    return OPENING.contains(fullMethodName);
  }
  /** Spark Connect clients name sessions with UUIDs; the gateway takes lowercase ones only. */
  static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final int SESSION_ID_FIELD = 1;
  private static final int USER_CONTEXT_FIELD = 2;
  private static final int USER_ID_FIELD = 1;

  private SparkRequests() {}

  static boolean isSpark(String fullMethodName) {
    return fullMethodName.startsWith(SERVICE + "/");
  }

  static final String EXECUTE_PLAN = SERVICE + "/ExecutePlan";
  static final String REATTACH_EXECUTE = SERVICE + "/ReattachExecute";
  static final String RELEASE_EXECUTE = SERVICE + "/ReleaseExecute";

  /** The session id of a request, or null when it has none; malformed bytes are IOException. */
  static String sessionId(byte[] request) throws IOException {
    return stringField(request, SESSION_ID_FIELD);
  }

  /**
   * The operation id of an ExecutePlan (field 6), ReattachExecute or ReleaseExecute (field 3)
   * request; null for other methods or when the request names none.
   */
  static String operationId(String fullMethodName, byte[] request) throws IOException {
    int field = switch (fullMethodName) {
      case EXECUTE_PLAN -> 6;
      case REATTACH_EXECUTE, RELEASE_EXECUTE -> 3;
      default -> 0;
    };
    String id = field == 0 ? null : stringField(request, field);
    return id == null || id.isEmpty() ? null : id;
  }

  /** A top-level string field of a request, or null; the last occurrence wins, as in any protobuf parser. */
  private static String stringField(byte[] request, int field) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    String value = null;
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return value;
      }
      if (WireFormat.getTagFieldNumber(tag) == field
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        value = in.readStringRequireUtf8();
      } else if (!in.skipField(tag)) {
        return value;
      }
    }
  }

  /**
   * The request with its user context's {@code user_id} set to the proven principal (other fields
   * of the user context kept), so a driver that reads the user context sees who really calls.
   */
  static byte[] withUserId(byte[] request, String principal) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(request.length + principal.length() + 8);
    CodedOutputStream out = CodedOutputStream.newInstance(buffer);
    ByteArrayOutputStream userContext = new ByteArrayOutputStream();
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (WireFormat.getTagFieldNumber(tag) == USER_CONTEXT_FIELD
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        // Occurrences of an embedded message merge: keep all of them, minus their user ids.
        userContext.write(withoutField(in.readBytes(), USER_ID_FIELD));
      } else {
        copyField(tag, in, out);
      }
    }
    CodedOutputStream uc = CodedOutputStream.newInstance(userContext);
    uc.writeString(USER_ID_FIELD, principal);
    uc.flush();
    out.writeBytes(USER_CONTEXT_FIELD, ByteString.copyFrom(userContext.toByteArray()));
    out.flush();
    return buffer.toByteArray();
  }

  private static byte[] withoutField(ByteString message, int field) throws IOException {
    CodedInputStream in = message.newCodedInput();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(message.size());
    CodedOutputStream out = CodedOutputStream.newInstance(buffer);
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      if (WireFormat.getTagFieldNumber(tag) == field) {
        in.skipField(tag);
      } else {
        copyField(tag, in, out);
      }
    }
    out.flush();
    return buffer.toByteArray();
  }

  private static void copyField(int tag, CodedInputStream in, CodedOutputStream out) throws IOException {
    if (!in.skipField(tag, out)) {
      throw new IOException("end-group tag outside a group");
    }
  }
}

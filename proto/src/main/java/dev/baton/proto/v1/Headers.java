package dev.baton.proto.v1;

import io.grpc.Metadata;
import java.util.regex.Pattern;

/**
 * The request headers of the baton.v1 protocol and the session-id rule: one definition for the
 * driver, the SDK, the gateway and the operator.
 */
public final class Headers {
  /** The session a call is for; the gateway routes on it, and it must match the message's session_id. */
  public static final Metadata.Key<String> SESSION_ID = key("baton-session-id");
  /** Who the caller is, as the gateway (or the operator, for declared sessions) proved it. */
  public static final Metadata.Key<String> PRINCIPAL = key("baton-principal");
  /** The pool's control token: opens DriverControl; only the operator holds it. */
  public static final Metadata.Key<String> CONTROL_TOKEN = key("baton-control-token");
  /** The pool's session token: opens the session API of its drivers; the gateway and the operator hold it. */
  public static final Metadata.Key<String> SESSION_TOKEN = key("baton-session-token");
  /** {@code Bearer <token>}: how a client proves who it is to the gateway. */
  public static final Metadata.Key<String> AUTHORIZATION = key("authorization");

  /** A session id: 22 to 128 characters of {@code [A-Za-z0-9_-]} (128 random bits fill 22). */
  public static final Pattern SESSION_ID_RULE = Pattern.compile("[A-Za-z0-9_-]{22,128}");

  private Headers() {}

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}

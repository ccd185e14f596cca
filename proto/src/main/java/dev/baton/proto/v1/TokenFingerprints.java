package dev.baton.proto.v1;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short, one-way name for a token: the first 12 hex digits of its SHA-256. A gateway publishes
 * the one of the session token it sends, so the operator can tell when every gateway has taken a
 * rotated token, without the token itself ever leaving the gateway.
 */
public final class TokenFingerprints {
  private TokenFingerprints() {}

  public static String of(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.baton.proto.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The tokens a driver accepts, one list for DriverControl and one for the session API. They start
 * from the driver's settings and are replaced by {@code DriverControl.SetTokens} when the operator
 * rotates a pool's tokens, so a rotation keeps the driver and its sessions. The first token of a
 * list is the current one; any other is retiring, and the last time a caller presented one is kept
 * so the operator can tell when no caller needs it any more.
 */
public final class DriverTokens {
  /** Tokens a list may hold at most: the current one and one retiring. */
  public static final int MAX_TOKENS = 2;
  public static final int MIN_LENGTH = 16;
  public static final int MAX_LENGTH = 512;

  private record Accepted(List<byte[]> control, List<byte[]> session, long setAtMillis) {}

  private final LongSupplier clock;
  private final AtomicLong lastRetiringUse = new AtomicLong(Long.MIN_VALUE);
  private volatile Accepted accepted;

  public DriverTokens(List<String> control, List<String> session) {
    this(control, session, System::currentTimeMillis);
  }

  DriverTokens(List<String> control, List<String> session, LongSupplier clock) {
    this.clock = clock;
    this.accepted = new Accepted(bytes(control), bytes(session), clock.getAsLong());
  }

  /**
   * The tokens a driver accepts at start, from its settings: the current control and session
   * token, and during a rotation every accepted one, comma-separated, the newest first (a list is
   * ignored where no current token is set). A driver given only a control token demands it on the
   * session API too, so it is never open to everyone.
   */
  public static DriverTokens fromSettings(String controlToken, String controlTokens, String sessionToken,
      String sessionTokens) {
    boolean control = controlToken != null && !controlToken.isEmpty();
    boolean ownSession = sessionToken != null && !sessionToken.isEmpty();
    List<String> controlList = control ? list(controlTokens, controlToken) : List.of();
    List<String> sessionList = ownSession ? list(sessionTokens, sessionToken)
        : control ? list(controlTokens, controlToken) : List.of();
    return new DriverTokens(controlList, sessionList);
  }

  /** The comma-separated {@code accepted} tokens, or {@code current} alone when none are given. */
  private static List<String> list(String accepted, String current) {
    List<String> tokens = accepted == null ? List.of() : java.util.Arrays.stream(accepted.split(","))
        .map(String::strip).filter(t -> !t.isEmpty()).distinct().toList();
    return tokens.isEmpty() ? List.of(current) : tokens;
  }

  /** Whether DriverControl demands a token at all (a driver started by hand may have none). */
  public boolean controlRequired() {
    return !accepted.control().isEmpty();
  }

  /** Whether the session API demands a token at all. */
  public boolean sessionRequired() {
    return !accepted.session().isEmpty();
  }

  public boolean acceptsControl(String presented) {
    return accepts(accepted.control(), presented);
  }

  public boolean acceptsSession(String presented) {
    return accepts(accepted.session(), presented);
  }

  /**
   * Replaces both lists at once. The caller checks the lists first ({@link #problem}); a driver
   * that demanded no token keeps demanding none.
   */
  public void set(List<String> control, List<String> session) {
    lastRetiringUse.set(Long.MIN_VALUE);
    accepted = new Accepted(bytes(control), bytes(session), clock.getAsLong());
  }

  /**
   * {@code DriverControl.SetTokens}: checks the new lists and replaces both. Throws
   * IllegalStateException when this driver demands no token or when {@code presented} (the
   * caller's own control token) would no longer be accepted, IllegalArgumentException when a
   * list is not valid ({@link #problem}).
   */
  public void replace(List<String> control, List<String> session, String presented) {
    if (!controlRequired()) {
      throw new IllegalStateException("this driver was started without a control token; it has no tokens to "
          + "replace");
    }
    for (String problem : new String[] {problem("control_tokens", control), problem("session_tokens", session)}) {
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    if (!control.contains(presented)) {
      throw new IllegalStateException("control_tokens must keep the token this call presented: the caller "
          + "would lock itself out");
    }
    set(control, session);
  }

  /** Whether a retiring token is accepted now. */
  public boolean retiringAccepted() {
    Accepted a = accepted;
    return a.control().size() > 1 || a.session().size() > 1;
  }

  /**
   * Milliseconds since a caller last presented a retiring token, or since the tokens were set if
   * none has; 0 when no retiring token is accepted.
   */
  public long retiringIdleMillis() {
    Accepted a = accepted;
    if (!retiringAccepted()) {
      return 0;
    }
    return Math.max(0, clock.getAsLong() - Math.max(a.setAtMillis(), lastRetiringUse.get()));
  }

  /** Why {@code tokens} cannot be one of the lists, or null when it can. */
  public static String problem(String field, List<String> tokens) {
    if (tokens.isEmpty() || tokens.size() > MAX_TOKENS) {
      return field + " must hold 1 or " + MAX_TOKENS + " tokens, not " + tokens.size();
    }
    for (String t : tokens) {
      if (t.length() < MIN_LENGTH || t.length() > MAX_LENGTH) {
        return field + ": every token is " + MIN_LENGTH + " to " + MAX_LENGTH + " characters long";
      }
    }
    return null;
  }

  private boolean accepts(List<byte[]> tokens, String presented) {
    if (presented == null) {
      return false;
    }
    byte[] given = presented.getBytes(StandardCharsets.UTF_8);
    int match = -1;
    // Every token is compared, in constant time, so timing tells neither which token nor how
    // much of a guess was right.
    for (int i = 0; i < tokens.size(); i++) {
      if (MessageDigest.isEqual(tokens.get(i), given) && match < 0) {
        match = i;
      }
    }
    if (match > 0) {
      lastRetiringUse.accumulateAndGet(clock.getAsLong(), Math::max);
    }
    return match >= 0;
  }

  private static List<byte[]> bytes(List<String> tokens) {
    return tokens.stream().filter(t -> t != null && !t.isEmpty())
        .map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
  }
}

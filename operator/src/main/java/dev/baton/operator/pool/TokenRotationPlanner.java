package dev.baton.operator.pool;

import dev.baton.api.model.TokenRotationStatus;
import dev.baton.api.model.TokenRotationStep;
import dev.baton.proto.v1.StatusResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a rotation of a pool's tokens does next, decided from the annotation, status and the
 * drivers alone (no API or driver calls here). The steps, each written to status before it is
 * taken: Staging (new tokens beside the old in the Secrets) → Distributing (every driver accepts
 * both) → Switching (the Secrets' current tokens become the new ones; gateways and the operator
 * follow) → Retiring (once no driver has seen an old token for {@code quiet}, drivers and Secrets
 * drop them) → Complete. No driver restarts and no session moves.
 */
public final class TokenRotationPlanner {
  private TokenRotationPlanner() {}

  /** A new rotation when the annotation asks for one that has not been done; empty otherwise. */
  public static Optional<TokenRotationStatus> begin(String requested, TokenRotationStatus current, Instant now) {
    if (requested == null || requested.isBlank()) {
      return Optional.empty();
    }
    boolean idle = current == null || current.getStep() == TokenRotationStep.Complete;
    if (!idle || (current != null && requested.equals(current.getRequested()))) {
      // One rotation at a time: a new request during one is taken up when it completes.
      return Optional.empty();
    }
    return Optional.of(new TokenRotationStatus(requested, TokenRotationStep.Staging, now.toString(), null));
  }

  /** The status after {@code current}'s step was taken. */
  public static TokenRotationStatus after(TokenRotationStatus current, Instant now) {
    TokenRotationStep next = switch (current.getStep()) {
      case Staging -> TokenRotationStep.Distributing;
      case Distributing -> TokenRotationStep.Switching;
      case Switching -> TokenRotationStep.Retiring;
      case Retiring, Complete -> TokenRotationStep.Complete;
    };
    return new TokenRotationStatus(current.getRequested(), next, now.toString(), null);
  }

  /**
   * The drivers that must be told to accept both tokens: every ready one. A driver that is not
   * ready cannot be told; distribution waits for it (message) if it may have read the Secrets
   * before both tokens were in them: its process runs, or its pod was made before
   * {@code stagedAt} (when the new tokens were written). A pod made later reads both at start.
   */
  public static Distribution distribution(List<DriverView> drivers, Instant stagedAt) {
    List<DriverView> live = drivers.stream().filter(d -> !d.terminating() && !d.failed()).toList();
    List<String> waiting = live.stream().filter(d -> !d.ready() || d.ip() == null)
        .filter(d -> d.started() || d.created().isBefore(stagedAt))
        .map(DriverView::name).sorted().toList();
    List<DriverView> tell = live.stream().filter(d -> d.ready() && d.ip() != null).toList();
    return new Distribution(tell, waiting.isEmpty() ? null
        : "waiting for " + String.join(", ", waiting) + " to become ready to accept the new tokens");
  }

  /** Ready drivers to tell, and why distribution cannot complete yet (null: it can). */
  public record Distribution(List<DriverView> tell, String blocker) {}

  /**
   * Why the old tokens cannot be retired yet, or null when they can: {@code quiet} must have passed
   * since the switch, every ready gateway must send the new session token (its fingerprint
   * {@code expectedGatewayToken}), and every ready driver must have seen no old token for
   * {@code quiet}. A ready gateway or driver that cannot be read is unknown, and unknown blocks.
   */
  public static String retireBlocker(List<DriverView> drivers, Map<String, StatusResponse> statusByDriver,
      Map<String, Optional<String>> gatewayTokens, String expectedGatewayToken, Instant switchedAt, Instant now,
      Duration quiet) {
    Duration since = Duration.between(switchedAt, now);
    if (since.compareTo(quiet) < 0) {
      // A message that does not change while it waits: status is not rewritten every second.
      return "waiting until " + switchedAt.plus(quiet) + " for callers to take the new tokens";
    }
    // A gateway that has not taken the new token (an older image, a Secret it cannot read) would be
    // shut out once the old one is dropped, even if it sent nothing lately.
    for (Map.Entry<String, Optional<String>> g : gatewayTokens.entrySet()) {
      if (g.getValue().isEmpty()) {
        return "cannot read which session token gateway " + g.getKey() + " sends; retiring waits until it answers";
      }
      if (!g.getValue().get().equals(expectedGatewayToken)) {
        return "gateway " + g.getKey() + " still sends the old session token";
      }
    }
    for (DriverView d : drivers) {
      if (d.terminating() || d.failed() || !d.ready() || d.ip() == null) {
        continue;
      }
      StatusResponse s = statusByDriver.get(d.name());
      if (s == null) {
        return "cannot read driver " + d.name() + "; retiring waits until it answers";
      }
      if (s.getRetiringTokensAccepted() && s.getRetiringTokensIdleMs() < quiet.toMillis()) {
        return "driver " + d.name() + " saw an old token within the last " + quiet.toSeconds()
            + "s; waiting until no caller has used one for that long";
      }
    }
    return null;
  }

  /**
   * Outside a rotation, the ready drivers that still accept a retiring token (one that started
   * from a Secret read mid-rotation and was not ready when the rotation retired): told again.
   */
  public static List<DriverView> straggling(List<DriverView> drivers, Map<String, StatusResponse> statusByDriver) {
    return drivers.stream().filter(d -> !d.terminating() && d.ready() && d.ip() != null)
        .filter(d -> statusByDriver.containsKey(d.name()) && statusByDriver.get(d.name()).getRetiringTokensAccepted())
        .toList();
  }
}

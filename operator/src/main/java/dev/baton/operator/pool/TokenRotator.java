package dev.baton.operator.pool;

import dev.baton.api.model.DriverPool;
import dev.baton.api.model.TokenRotationStatus;
import dev.baton.api.model.TokenRotationStep;
import dev.baton.proto.v1.SetTokensRequest;
import dev.baton.proto.v1.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the step of a token rotation that status names ({@link TokenRotationPlanner} decides the
 * order). Every step is idempotent: a restarted operator takes the written step again.
 */
final class TokenRotator {
  private static final Logger LOG = LoggerFactory.getLogger(TokenRotator.class);
  /** How long no caller may have presented an old token before the old tokens are dropped. */
  static final Duration QUIET = Duration.ofSeconds(30);

  private final ControlTokens tokens;
  private final DriverProber prober;
  private final GatewayTokens gateways = new GatewayTokens();

  TokenRotator(ControlTokens tokens, DriverProber prober) {
    this.tokens = tokens;
    this.prober = prober;
  }

  /**
   * Takes {@code rotation}'s step; the status to write next: the following step when this one is
   * done, or the same step with a message saying what it waits for.
   */
  TokenRotationStatus take(io.fabric8.kubernetes.client.KubernetesClient client, DriverPool pool,
      TokenRotationStatus rotation, List<DriverView> drivers, Map<String, StatusResponse> statusByDriver, Instant now) {
    String ns = pool.getMetadata().getNamespace();
    String name = pool.getMetadata().getName();
    String current = tokens.token(ns, name);
    if (rotation.getStep() == TokenRotationStep.Complete) {
      for (DriverView driver : TokenRotationPlanner.straggling(drivers, statusByDriver)) {
        if (setTokens(driver, current, List.of(current)) == null) {
          LOG.info("driver {} no longer accepts the pool's old tokens", driver.name());
        }
      }
      return rotation;
    }
    List<String> accepted = tokens.accepted(ns, name);
    boolean staged = accepted.size() == 2 && accepted.contains(current);
    if (!staged && (rotation.getStep() == TokenRotationStep.Distributing
        || rotation.getStep() == TokenRotationStep.Switching)) {
      // Someone changed the Secrets under a rotation: stage again (drivers keep accepting what they had).
      return new TokenRotationStatus(rotation.getRequested(), TokenRotationStep.Staging, now.toString(),
          "the pool's Secrets no longer hold the staged tokens; staging again");
    }
    switch (rotation.getStep()) {
      case Staging -> {
        // Resumed after a restart: the staged token is the first accepted one that is not current.
        String next = accepted.size() == 2 && accepted.get(1).equals(current) ? accepted.get(0)
            : ControlTokens.newToken();
        tokens.write(ns, name, current, List.of(next, current));
      }
      case Distributing -> {
        TokenRotationPlanner.Distribution d = TokenRotationPlanner.distribution(drivers,
            Instant.parse(rotation.getSince()));
        for (DriverView driver : d.tell()) {
          String failure = setTokens(driver, current, accepted);
          if (failure != null) {
            return waiting(rotation, failure);
          }
        }
        if (d.blocker() != null) {
          return waiting(rotation, d.blocker());
        }
      }
      case Switching -> tokens.write(ns, name, accepted.get(0), accepted);
      case Retiring -> {
        var gatewayPods = client.pods().inNamespace(ns).withLabels(GatewayObjects.selector(name)).list().getItems();
        String blocker = TokenRotationPlanner.retireBlocker(drivers, statusByDriver, gateways.read(gatewayPods),
            dev.baton.proto.v1.TokenFingerprints.of(ControlTokens.sessionToken(current)),
            Instant.parse(rotation.getSince()), now, QUIET);
        if (blocker != null) {
          return waiting(rotation, blocker);
        }
        // The Secrets first, so a driver starting now reads the new tokens only.
        tokens.write(ns, name, current, List.of());
        for (DriverView driver : drivers) {
          if (!driver.terminating() && driver.ready() && driver.ip() != null) {
            String failure = setTokens(driver, current, List.of(current));
            if (failure != null) {
              LOG.warn("{}; told again once it answers", failure);
            }
          }
        }
      }
      default -> throw new IllegalStateException("unknown step " + rotation.getStep());
    }
    return TokenRotationPlanner.after(rotation, now);
  }

  /** Tells one driver which tokens to accept; null on success, else why not. */
  private String setTokens(DriverView driver, String presented, List<String> control) {
    try {
      prober.stub(driver.ip(), presented).withDeadlineAfter(5, TimeUnit.SECONDS).setTokens(SetTokensRequest.newBuilder()
          .addAllControlTokens(control)
          .addAllSessionTokens(control.stream().map(ControlTokens::sessionToken).toList()).build());
      return null;
    } catch (StatusRuntimeException e) {
      return "driver " + driver.name() + " did not take the new tokens: " + e.getStatus().getCode() + " "
          + e.getStatus().getDescription();
    }
  }

  private static TokenRotationStatus waiting(TokenRotationStatus rotation, String message) {
    return new TokenRotationStatus(rotation.getRequested(), rotation.getStep(), rotation.getSince(), message);
  }
}

package dev.baton.gateway;

import io.grpc.Status;

/**
 * What to do with one call, decided from the session's route and the caller. Pure, so every
 * rule is unit-tested: unknown session → NOT_FOUND; another principal's → PERMISSION_DENIED;
 * a session being moved (or not yet placed) → hold; a bound session → forward to its driver.
 */
public sealed interface RouteDecision {
  /** Send the call to this driver. */
  record Forward(String endpoint) implements RouteDecision {}

  /** Wait for the session to be Bound again, then decide again. */
  record Hold(String reason) implements RouteDecision {}

  /** Refuse the call. */
  record Refuse(Status status) implements RouteDecision {}

  static RouteDecision decide(String sessionId, Route route, String caller) {
    if (sessionId == null || sessionId.isEmpty()) {
      return new Refuse(Status.INVALID_ARGUMENT.withDescription("no baton-session-id header"));
    }
    if (route == null) {
      return new Refuse(Status.NOT_FOUND.withDescription("no session '" + sessionId + "' in this pool"));
    }
    if (!route.principal().equals(caller)) {
      return new Refuse(Status.PERMISSION_DENIED.withDescription("session '" + sessionId
          + "' belongs to another principal"));
    }
    return switch (route.phase() == null ? "Pending" : route.phase()) {
      case "Bound" -> route.endpoint() == null ? new Hold("session has no driver yet") : new Forward(route.endpoint());
      case "Migrating", "Pending" -> new Hold("session is " + route.phase().toLowerCase());
      case "Closed" -> new Refuse(Status.NOT_FOUND.withDescription("session '" + sessionId + "' is closed"));
      default -> new Refuse(Status.FAILED_PRECONDITION.withDescription("session '" + sessionId + "' is "
          + route.phase()));
    };
  }
}

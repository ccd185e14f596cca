package dev.baton.gateway;

import java.time.Duration;

/** Where sessions' calls go. {@link SessionDirectory} keeps them from ClientSessions. */
public interface Routes {
  Route route(String sessionId);

  /** Waits until the session has a route; false when none came within the timeout. */
  boolean awaitPresent(String sessionId, Duration timeout) throws InterruptedException;

  /** Decides for one call, holding it up to {@code hold} while the session is being moved. */
  RouteDecision decide(String sessionId, String caller, Duration hold) throws InterruptedException;

  /** Waits up to {@code max} for the session's route to differ from {@code seen}. */
  void awaitChange(String sessionId, Route seen, Duration max) throws InterruptedException;

  /** Every route known now. */
  java.util.Collection<Route> all();

  /** A fixed set of routes: for benchmarks and tools that run a gateway without Kubernetes. */
  static Routes fixed(java.util.Map<String, Route> routes) {
    return new Routes() {
      @Override
      public Route route(String sessionId) {
        return sessionId == null ? null : routes.get(sessionId);
      }

      @Override
      public boolean awaitPresent(String sessionId, Duration timeout) {
        return route(sessionId) != null;
      }

      @Override
      public void awaitChange(String sessionId, Route seen, Duration max) throws InterruptedException {
        Thread.sleep(max.toMillis()); // fixed routes never change
      }

      @Override
      public java.util.Collection<Route> all() {
        return routes.values();
      }

      @Override
      public RouteDecision decide(String sessionId, String caller, Duration hold) {
        return RouteDecision.decide(sessionId, route(sessionId), caller);
      }
    };
  }
}

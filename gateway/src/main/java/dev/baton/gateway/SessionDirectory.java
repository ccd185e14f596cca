package dev.baton.gateway;

import dev.baton.api.model.ClientSession;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of a pool's sessions, kept from an informer over ClientSessions: no API call per
 * request. Callers that must wait (a session being moved) are woken when a route changes.
 */
public final class SessionDirectory implements Routes, AutoCloseable {
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final SharedIndexInformer<ClientSession> informer;
  private final Object changed = new Object();

  public SessionDirectory(KubernetesClient client, String namespace, String pool) {
    this.informer = client.resources(ClientSession.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ClientSession cs) {
        put(cs);
      }

      @Override
      public void onUpdate(ClientSession before, ClientSession after) {
        put(after);
      }

      @Override
      public void onDelete(ClientSession cs, boolean unknownFinalState) {
        if (cs.getStatus() != null && cs.getStatus().getSessionId() != null) {
          routes.remove(cs.getStatus().getSessionId());
          signal();
        }
      }

      private void put(ClientSession cs) {
        if (!pool.equals(cs.getSpec().getPool()) || cs.getStatus() == null || cs.getStatus().getSessionId() == null) {
          return;
        }
        var s = cs.getStatus();
        routes.put(s.getSessionId(), new Route(s.getSessionId(), cs.getMetadata().getNamespace(),
            cs.getMetadata().getName(), cs.getSpec().getPrincipal(), s.getPhase() == null ? null : s.getPhase().name(),
            s.getEndpoint()));
        signal();
      }
    }, 0);
  }

  /** Whether the first listing of ClientSessions has arrived (until then, routes are missing). */
  public boolean isSynced() {
    return informer.hasSynced();
  }

  private void signal() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  @Override
  public Route route(String sessionId) {
    return sessionId == null ? null : routes.get(sessionId);
  }

  @Override
  public java.util.Collection<Route> all() {
    return routes.values();
  }

  /** Waits until the session has a route (a just-created session has none yet). */
  @Override
  public boolean awaitPresent(String sessionId, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (route(sessionId) == null) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      synchronized (changed) {
        changed.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
      }
    }
    return true;
  }

  @Override
  public void awaitChange(String sessionId, Route seen, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (java.util.Objects.equals(route(sessionId), seen)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      synchronized (changed) {
        changed.wait(Math.max(1, Math.min(left / 1_000_000, 50)));
      }
    }
  }

  /**
   * Decides for a call, holding it while the session is being moved, up to {@code hold}. Past
   * the hold the decision stays a Hold, which the caller turns into UNAVAILABLE with RetryInfo.
   */
  @Override
  public RouteDecision decide(String sessionId, String caller, Duration hold) throws InterruptedException {
    long deadline = System.nanoTime() + hold.toNanos();
    while (true) {
      RouteDecision d = RouteDecision.decide(sessionId, route(sessionId), caller);
      long left = deadline - System.nanoTime();
      if (!(d instanceof RouteDecision.Hold) || left <= 0) {
        return d;
      }
      synchronized (changed) {
        changed.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
      }
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}

package dev.baton.driver.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a Spark Connect client has made of a session: the server-side session id it has seen and
 * the Spark config it has set. Both travel in the session's snapshot, so after a move the client
 * sees the same id (it fails a session whose id changes) and reads back what it set.
 */
public final class SparkSessionState {
  private final Map<String, String> conf = new LinkedHashMap<>();
  private String serverSideSessionId;

  /** The id reported to Spark Connect clients; chosen on first use, kept across moves. */
  public synchronized String serverSideSessionId() {
    if (serverSideSessionId == null) {
      serverSideSessionId = UUID.randomUUID().toString();
    }
    return serverSideSessionId;
  }

  /** The id if a Spark Connect client has seen one, else empty (a snapshot field). */
  public synchronized String serverSideSessionIdIfSeen() {
    return serverSideSessionId == null ? "" : serverSideSessionId;
  }

  /** Restores state from a snapshot. */
  public synchronized void restore(String serverSideId, Map<String, String> values) {
    serverSideSessionId = serverSideId.isEmpty() ? null : serverSideId;
    conf.clear();
    conf.putAll(values);
  }

  public synchronized Map<String, String> conf() {
    return new LinkedHashMap<>(conf);
  }

  public synchronized String get(String key) {
    return conf.get(key);
  }

  public synchronized void set(String key, String value) {
    conf.put(key, value);
  }

  public synchronized void unset(List<String> keys) {
    keys.forEach(conf::remove);
  }
}

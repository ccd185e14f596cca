package dev.baton.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;

/**
 * Where each Spark Connect operation was started: the driver its ExecutePlan went to. A Spark
 * driver finishes the operations it started even after their session moved away, so the
 * operation's ReattachExecute and ReleaseExecute go back there, not to the session's new driver
 * (which never heard of it). An entry is dropped 30 minutes after the operation started, so an
 * address is not trusted long after its driver may have gone (a pod address can be reused); a
 * driver that no longer has the operation answers SESSION_MOVED and the call goes to the
 * session's driver as usual.
 */
final class OperationPlaces {
  private final Cache<String, String> places;

  OperationPlaces(long maxOperations, Duration keepFor) {
    this.places = Caffeine.newBuilder().maximumSize(maxOperations).expireAfterWrite(keepFor).build();
  }

  OperationPlaces() {
    this(100_000, Duration.ofMinutes(30));
  }

  /** The operation of a session was sent to {@code endpoint}. */
  void started(String sessionId, String operationId, String endpoint) {
    places.put(key(sessionId, operationId), endpoint);
  }

  /** The driver the operation was started on, if known here. */
  Optional<String> placeOf(String sessionId, String operationId) {
    return Optional.ofNullable(places.getIfPresent(key(sessionId, operationId)));
  }

  private static String key(String sessionId, String operationId) {
    return sessionId + '/' + operationId;
  }
}

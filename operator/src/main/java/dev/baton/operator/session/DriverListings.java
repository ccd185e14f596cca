package dev.baton.operator.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.baton.operator.pool.DriverProber;
import dev.baton.proto.v1.ListSessionsRequest;
import dev.baton.proto.v1.SessionInfo;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One session listing per driver, shared by every ClientSession on it: a resync of n sessions on
 * d drivers costs about d listings, not n. A listing is reused for {@link #FRESH}. A session
 * missing from a cached listing is looked up again in a fresh one before anyone concludes it is
 * gone (it may have been opened after the listing was taken).
 */
public final class DriverListings {
  static final Duration FRESH = Duration.ofSeconds(2);

  /** What a driver said of its sessions, and the sessions placed on it since. */
  private record Listing(Map<String, SessionInfo> sessions, Set<String> placedSince) {}

  private final DriverProber prober;
  private final Cache<String, Listing> listings = Caffeine.newBuilder().expireAfterWrite(FRESH).maximumSize(10_000)
      .build();

  public DriverListings(DriverProber prober) {
    this.prober = prober;
  }

  /** The session as the driver at {@code ip} lists it; empty when it does not hold it. Throws when it does not answer. */
  public Optional<SessionInfo> find(String ip, String token, String sessionId) {
    // Sessions resyncing together share one listing rather than each asking the driver; one
    // that started before this session was opened may miss it, so a miss is always asked again.
    Listing cached = listings.getIfPresent(ip);
    if (cached == null) {
      cached = shared(ip, token);
    }
    if (cached.sessions().containsKey(sessionId)) {
      return Optional.of(cached.sessions().get(sessionId));
    }
    return Optional.ofNullable(fresh(ip, token).sessions().get(sessionId));
  }

  /** The session as the driver lists it now, never from cache. */
  public Optional<SessionInfo> findFresh(String ip, String token, String sessionId) {
    return Optional.ofNullable(fresh(ip, token).sessions().get(sessionId));
  }

  /**
   * Sessions on the driver, counting placements made through {@link #placed} since the listing,
   * so sessions placed at the same moment spread instead of all choosing the same driver.
   * Empty when the driver does not answer.
   */
  public Optional<Integer> load(String ip, String token) {
    Listing l = listings.getIfPresent(ip);
    try {
      if (l == null) {
        l = shared(ip, token);
      }
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
    Map<String, SessionInfo> listed = l.sessions();
    return Optional.of(listed.size() + (int) l.placedSince().stream().filter(id -> !listed.containsKey(id)).count());
  }

  /**
   * Whether the driver's listing, as last taken here, or a placement made here since, holds the
   * session; never asks the driver.
   */
  public boolean holds(String ip, String sessionId) {
    Listing l = listings.getIfPresent(ip);
    return l != null && (l.sessions().containsKey(sessionId) || l.placedSince().contains(sessionId));
  }

  /** A session was just placed on the driver (until its next listing shows it). */
  public void placed(String ip, String sessionId) {
    Listing l = listings.getIfPresent(ip);
    if (l != null) {
      l.placedSince().add(sessionId);
    }
  }

  /** Forgets what the driver said: its next use lists it again. */
  public void invalidate(String ip) {
    listings.invalidate(ip);
  }

  /**
   * A listing taken now, shared with every caller that asks for the same driver while it is being
   * taken (its failure too): sessions resyncing together cost one call, and a driver that hangs
   * costs each of them one wait, side by side, not one after another.
   */
  private Listing shared(String ip, String token) {
    CompletableFuture<Listing> mine = new CompletableFuture<>();
    CompletableFuture<Listing> running = inFlight.putIfAbsent(ip, mine);
    if (running != null) {
      try {
        return running.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      Listing l = fresh(ip, token);
      mine.complete(l);
      return l;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(ip, mine);
    }
  }

  private final Map<String, CompletableFuture<Listing>> inFlight = new ConcurrentHashMap<>();

  private Listing fresh(String ip, String token) {
    Listing l = list(ip, token);
    listings.put(ip, l);
    return l;
  }

  private Listing list(String ip, String token) {
    Map<String, SessionInfo> now = prober.stub(ip, token).withDeadlineAfter(5, TimeUnit.SECONDS)
        .listSessions(ListSessionsRequest.getDefaultInstance()).getSessionsList().stream()
        .collect(Collectors.toMap(SessionInfo::getSessionId, Function.identity(), (x, y) -> x));
    return new Listing(now, ConcurrentHashMap.newKeySet());
  }
}

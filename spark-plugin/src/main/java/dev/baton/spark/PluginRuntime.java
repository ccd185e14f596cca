package dev.baton.spark;

import dev.baton.proto.auth.CallerTokenInterceptor;
import dev.baton.proto.auth.DriverTokens;
import dev.baton.proto.v1.SparkReplayStep;
import io.grpc.Server;
import io.grpc.Status;
import java.util.List;
import java.util.regex.Pattern;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin inside one Spark Connect server: its sessions, its tokens, and the DriverControl
 * server on the control port. Started once, by the first {@link BatonConnectInterceptor} Spark
 * makes.
 */
public final class PluginRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(PluginRuntime.class);
  /** The largest DriverControl request: an ImportSession carrying a long replay journal. */
  private static final int MAX_CONTROL_MESSAGE = 64 << 20;
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static PluginRuntime instance;

  private final PluginSettings settings;
  /** An operation no call has been attached to for this long was abandoned (Spark's own limit is 5 minutes). */
  static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofMinutes(10);
  private final Clock clock = Clock.systemUTC();
  private final SessionTable sessions;
  private final PlanEffects effects;
  private final String internalToken;
  private final SessionReplayer replayer;
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-plugin-timers");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean draining;
  private Server controlServer;

  PluginRuntime(PluginSettings settings, PlanEffects effects) {
    this.settings = settings;
    this.effects = effects;
    // A pool's driver (given a session token) opens sessions only when the operator says so.
    this.sessions = new SessionTable(clock, !settings.tokens().sessionRequired());
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.internalToken = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    this.replayer = new SessionReplayer(SparkServer::connectPort, internalToken);
  }

  /** The runtime of this server, started on first use (Spark makes an interceptor per server). */
  static synchronized PluginRuntime start() {
    if (instance == null) {
      PluginRuntime r = new PluginRuntime(PluginSettings.fromEnv(System.getenv(), SparkServer.version()),
          new PlanEffects(SqlEffects.fromServer()));
      r.startControlServer();
      r.timers.scheduleWithFixedDelay(r::forgetAbandonedOperations, 1, 1, java.util.concurrent.TimeUnit.MINUTES);
      instance = r;
    }
    return instance;
  }

  private void startControlServer() {
    try {
      controlServer = NettyServerBuilder.forPort(settings.controlPort())
          .maxInboundMessageSize(MAX_CONTROL_MESSAGE)
          .addService(ServerInterceptors.intercept(new ControlService(this), tokens().controlRequired()
              ? List.of(CallerTokenInterceptor.control(tokens())) : List.of()))
          .addService(ServerInterceptors.intercept(new PluginSessionService(this), tokens().sessionRequired()
              ? List.of(PluginSessionService.principals(), CallerTokenInterceptor.session(tokens()))
              : List.of(PluginSessionService.principals())))
          .addService(new ConnectHealth())
          .build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("Baton's DriverControl could not listen on port " + settings.controlPort(), e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> controlServer.shutdownNow(), "baton-plugin-stop"));
    LOG.info("Baton driver control on port {} (driver version {}, revision '{}', control token {}, session token {})",
        controlServer.getPort(), settings.version(), settings.revision(),
        tokens().controlRequired() ? "required" : "not required",
        tokens().sessionRequired() ? "required" : "not required");
  }

  PluginSettings settings() {
    return settings;
  }

  DriverTokens tokens() {
    return settings.tokens();
  }

  SessionTable sessions() {
    return sessions;
  }

  SessionReplayer replayer() {
    return replayer;
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  int controlPort() {
    return controlServer == null ? settings.controlPort() : controlServer.getPort();
  }

  boolean draining() {
    return draining;
  }

  void draining(boolean value) {
    draining = value;
  }

  /**
   * Opens a session here from steps (an import, or the operator's OpenSession), as {@code principal},
   * keeping {@code clientServerSideId} as the server-side id its client sees (empty: this server's).
   * INVALID_ARGUMENT for an id Spark would refuse or no principal, RESOURCE_EXHAUSTED at the
   * driver's session limit, ALREADY_EXISTS when the id is open here.
   */
  TrackedSession rebuild(String sessionId, String principal, String clientServerSideId,
      List<SparkReplayStep> steps, List<String> notMoved) {
    if (!UUID_TEXT.matcher(sessionId).matches()) {
      throw new IllegalArgumentException("session_id must be a UUID on a Spark driver (Spark Connect's rule), not '"
          + sessionId + "'");
    }
    if (principal.isEmpty()) {
      throw new IllegalArgumentException("principal is required: it is the session's Spark user id");
    }
    if (sessions.open(sessionId).isPresent()) {
      throw Status.ALREADY_EXISTS.withDescription("session " + sessionId + " is already open on this driver")
          .asRuntimeException();
    }
    int max = settings.maxSessions();
    if (max > 0 && sessions.all().stream().filter(x -> x.state() != TrackedSession.MoveState.RELEASED).count() >= max) {
      throw Status.RESOURCE_EXHAUSTED.withDescription("this driver holds its maximum of " + max + " sessions")
          .asRuntimeException();
    }
    TrackedSession s = sessions.importing(sessionId, principal, clientServerSideId).orElseThrow(() ->
        Status.ALREADY_EXISTS.withDescription("session " + sessionId + " is already open on this driver")
            .asRuntimeException());
    notMoved.forEach(s.journal()::notMovable);
    try {
      replayer.replay(s, steps);
    } catch (RuntimeException e) {
      sessions.remove(s);
      // Spark refuses for good an id it closed before (it keeps a tombstone of its own): another
      // driver must take the session.
      boolean lasting = String.valueOf(e.getMessage()).contains("SESSION_CLOSED");
      throw (lasting ? Status.FAILED_PRECONDITION : Status.UNAVAILABLE).withDescription("could not open session "
          + sessionId + " on this Spark server: " + e.getMessage()).withCause(e).asRuntimeException();
    }
    s.state(TrackedSession.MoveState.ACTIVE, "");
    return s;
  }

  /** The operator's OpenSession: a new session with its Spark config. */
  TrackedSession open(String sessionId, String principal, List<SparkReplayStep> config, List<String> notMoved) {
    return rebuild(sessionId, principal, "", config, notMoved);
  }

  CallTracker newTracker(boolean internal) {
    return new CallTracker(sessions, effects, internal, clock, settings.artifactsAllowed());
  }

  private void forgetAbandonedOperations() {
    java.time.Instant cutoff = clock.instant().minus(ABANDONED_AFTER);
    for (TrackedSession s : sessions.all()) {
      int forgotten = s.forgetAbandoned(cutoff);
      if (forgotten > 0) {
        LOG.info("session {}: {} operations abandoned by their client are no longer counted", s.sessionId(), forgotten);
      }
    }
  }

  /** Whether a call presented the secret of the plugin's own calls (compared in constant time). */
  boolean isInternalCall(String presented) {
    return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
        internalToken.getBytes(StandardCharsets.US_ASCII));
  }
}

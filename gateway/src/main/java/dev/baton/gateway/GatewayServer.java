package dev.baton.gateway;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ClientCall;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: one address for a pool. Every call of an allowed service ({@link ServiceAllowList};
 * never DriverControl) is routed by its {@code baton-session-id} header to the session's current
 * driver and proxied as bytes. A call for a session that is being moved waits (up to the hold) and
 * then goes to the new driver; past the hold it fails UNAVAILABLE with a RetryInfo delay the SDK
 * honours.
 *
 * <p>Callers authenticate with a bearer token ({@link Authenticator}); the principal it proves
 * replaces any {@code baton-principal} the caller sent, and is what the driver sees.
 *
 * <p>OpenSession without a session id creates a ClientSession for the caller (see
 * {@link SessionCreator}), waits until it is Bound and answers with its id; closing such a
 * session deletes its ClientSession.
 *
 * <p>Drivers serve the session API only to callers that present the pool's session token; the
 * gateway adds it to every call it forwards and drops any driver token a client sent. It never
 * holds the control token, which alone opens DriverControl. Client connections are retired after a
 * maximum age (GOAWAY, then a grace period), so clients spread over all replicas again.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
  static final Metadata.Key<String> SESSION = dev.baton.proto.v1.Headers.SESSION_ID;
  static final Metadata.Key<String> PRINCIPAL = dev.baton.proto.v1.Headers.PRINCIPAL;
  static final Metadata.Key<String> AUTHORIZATION = dev.baton.proto.v1.Headers.AUTHORIZATION;
  static final Metadata.Key<String> CONTROL_TOKEN =
      dev.baton.proto.v1.Headers.CONTROL_TOKEN;
  static final Metadata.Key<String> SESSION_TOKEN =
      dev.baton.proto.v1.Headers.SESSION_TOKEN;

  private static final String OPEN = "baton.v1.SessionService/OpenSession";
  /** How long a call for a session this replica does not know waits for its cache before NOT_FOUND. */
  static final Duration UNKNOWN_SESSION_WAIT = Duration.ofSeconds(3);
  private static final String CLOSE = "baton.v1.SessionService/CloseSession";
  /** How long a call answered "moving" waits for the directory to change before it is sent again. */
  static final long RESEND_WAIT_MILLIS = 200;

  private final Routes directory;
  /** Where each Spark operation started, shared by all calls (a reattach comes on a new call). */
  private final OperationPlaces operations = new OperationPlaces();
  private final SessionCreator creator;
  private final CallerAuthenticator authenticator;
  private final Duration hold;
  private final Map<String, ManagedChannel> drivers = new ConcurrentHashMap<>();
  /** Authentication and routing may wait (TokenReview, a held call): bounded, never the transport. */
  private final ThreadPoolExecutor routing;
  private final ServiceAllowList services;
  private final SessionQuota quota;
  private final Server server;
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final java.util.concurrent.ScheduledExecutorService pruner =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-channel-pruner");
        t.setDaemon(true);
        return t;
      });
  /** Request bytes kept for calls that may have to be sent again after a move (64 MiB per replica). */
  private final CallProxy.Retained retained = new CallProxy.Retained(64L << 20);
  /** Adds the pool's session token to calls to drivers; null when drivers need none. */
  private final SessionToken toDrivers;
  /** Sessions this gateway is creating, by principal, and in all (see {@link #reserve}). */
  private final java.util.Map<String, Integer> creatingByPrincipal = new java.util.HashMap<>();
  private int creating;

  /**
   * @param creator makes ClientSessions for OpenSession without an id; null refuses such calls
   */
  public GatewayServer(Routes directory, SessionCreator creator, CallerAuthenticator authenticator,
      GatewayOptions options) throws IOException {
    this.directory = directory;
    this.creator = creator;
    this.authenticator = authenticator;
    this.hold = options.hold();
    this.toDrivers = options.sessionToken() == null ? null
        : new SessionToken(options.sessionToken(), metrics::sessionTokenInUse);
    this.services = options.services();
    this.quota = options.quota();
    this.routing = new ThreadPoolExecutor(0, options.maxConcurrentCalls(), 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "gateway-route");
          t.setDaemon(true);
          return t;
        });
    InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
    NettyServerBuilder builder = (options.tls() == null ? NettyServerBuilder.forAddress(address)
        : NettyServerBuilder.forAddress(address, options.tls()))
        .fallbackHandlerRegistry(new ProxyRegistry())
        // The client's events run on the transport threads: none of them waits (authentication
        // and routing go to the routing pool), and a hop to another pool costs every call latency.
        // A driver's responses keep grpc's pool: they are copied as they pass, which on a
        // transport thread would hold up reading the next.
        .directExecutor()
        .maxInboundMessageSize(options.maxRequestBytes())
        .addTransportFilter(metrics.connections());
    if (options.maxConnectionAge() != null) {
      builder.maxConnectionAge(options.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS);
      if (options.maxConnectionAgeGrace() != null) {
        builder.maxConnectionAgeGrace(options.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    this.server = builder.build().start();
    this.pruner.scheduleWithFixedDelay(this::pruneChannels, 60, 60, TimeUnit.SECONDS);
    LOG.info("gateway listening on {}:{} ({}, hold {}, max connection age {} + grace {}, session token {}, "
        + "services {}, max request {} bytes, max concurrent calls {})",
        options.host(), server.getPort(), options.tls() == null ? "plaintext" : "TLS", hold, options.maxConnectionAge(), options.maxConnectionAgeGrace(),
        toDrivers == null ? "none" : "sent", services.services(), options.maxRequestBytes(),
        options.maxConcurrentCalls());
  }

  /**
   * Admits one more session for {@code principal} under the quota, counting the ones this
   * gateway is creating and does not see yet, so concurrent first calls cannot pass it together;
   * null when admitted (then {@link #unreserve} once the session is seen or its creation failed).
   */
  private synchronized Status reserve(String principal) {
    Status over = quota.refusal(directory.all(), principal, creatingByPrincipal.getOrDefault(principal, 0), creating);
    if (over == null) {
      creatingByPrincipal.merge(principal, 1, Integer::sum);
      creating++;
    }
    return over;
  }

  private synchronized void unreserve(String principal) {
    creatingByPrincipal.computeIfPresent(principal, (p, n) -> n <= 1 ? null : n - 1);
    creating--;
  }

  /** The session token sent to drivers (null when the pool has none), to follow its Secret. */
  public SessionToken sessionToken() {
    return toDrivers;
  }

  public int port() {
    return server.getPort();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Every method of an allowed service is proxied as bytes; any other is refused unread. */
  private final class ProxyRegistry extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNKNOWN).setFullMethodName(methodName)
          .setRequestMarshaller(Bytes.MARSHALLER).setResponseMarshaller(Bytes.MARSHALLER).build();
      Status refusal = services.refusal(methodName);
      if (refusal != null) {
        return ServerMethodDefinition.create(method, (call, headers) -> {
          metrics.refused(refusal.getCode());
          call.close(refusal, new Metadata());
          return new ServerCall.Listener<>() {};
        });
      }
      return ServerMethodDefinition.create(method, new Handler(method));
    }
  }

  private final class Handler implements ServerCallHandler<byte[], byte[]> {
    private final MethodDescriptor<byte[], byte[]> method;

    Handler(MethodDescriptor<byte[], byte[]> method) {
      this.method = method;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> incoming, Metadata headers) {
      ServerCall<byte[], byte[]> serverCall = metrics.track(incoming);
      DeferredListener<byte[]> listener = new DeferredListener<>(metrics);
      final String sessionId = headers.get(SESSION);
      String authorization = headers.get(AUTHORIZATION);
      // Authentication (a TokenReview) and routing (a session being moved) may wait: never on a
      // transport thread.
      try {
        routing.execute(() -> authenticateAndRoute(serverCall, headers, sessionId, authorization, listener));
      } catch (RejectedExecutionException full) {
        metrics.refused(Status.Code.RESOURCE_EXHAUSTED);
        serverCall.close(Status.RESOURCE_EXHAUSTED.withDescription("gateway is handling its maximum of "
            + routing.getMaximumPoolSize() + " calls being routed; retry"), new Metadata());
      }
      return listener;
    }

    private void authenticateAndRoute(ServerCall<byte[], byte[]> serverCall, Metadata headers, String sessionId,
        String authorization, DeferredListener<byte[]> listener) {
      ServerCall<byte[], byte[]> call = serverCall;
      String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
          ? authorization.substring(7).strip() : null;
      Optional<String> principal;
      try {
        principal = authenticator.principal(token);
      } catch (StatusRuntimeException unavailable) {
        call.close(unavailable.getStatus(), new Metadata());
        return;
      } catch (RuntimeException e) {
        LOG.warn("cannot check a caller's token", e);
        call.close(Status.UNAVAILABLE.withDescription("cannot check the token now; retry"), new Metadata());
        return;
      }
      if (principal.isEmpty()) {
        call.close(Status.UNAUTHENTICATED.withDescription(token == null
            ? "no bearer token: send authorization: Bearer <token>" : "token not accepted"), new Metadata());
        return;
      }
      headers.discardAll(PRINCIPAL);
      headers.discardAll(AUTHORIZATION);
      headers.discardAll(CONTROL_TOKEN);
      headers.discardAll(SESSION_TOKEN);
      headers.put(PRINCIPAL, principal.get());
      if (sessionId != null && OPEN.equals(method.getFullMethodName())) {
        // A driver would open it with no ClientSession: untracked, never moved, never cleaned up.
        call.close(Status.INVALID_ARGUMENT.withDescription("OpenSession through the gateway takes no "
            + "baton-session-id: the pool chooses the id; declare a ClientSession to choose it yourself"),
            new Metadata());
        return;
      }
      if (sessionId == null && OPEN.equals(method.getFullMethodName()) && creator == null) {
        call.close(Status.UNIMPLEMENTED.withDescription("this gateway opens no new sessions"), new Metadata());
        return;
      }
      if (sessionId == null && OPEN.equals(method.getFullMethodName())) {
        openSession(call, headers, principal.get(), listener);
        return;
      }
      if (SparkRequests.isSpark(method.getFullMethodName())) {
        readSparkSession(call, headers, principal.get(), listener);
        return;
      }
      if (CLOSE.equals(method.getFullMethodName())) {
        Route r = directory.route(sessionId);
        if (r != null && creator != null && r.principal().equals(principal.get())) {
          call = new ClosingCall(call, r);
        }
      }
      route(call, headers, sessionId, principal.get(), listener, null, null);
    }

    /**
     * A Spark Connect call names its session in its first request message (field 1), chosen by
     * the client: read it, stamp the proven principal into the user context, create the
     * session's ClientSession on first use, then route like any call.
     */
    private void readSparkSession(ServerCall<byte[], byte[]> call, Metadata headers, String principal,
        DeferredListener<byte[]> listener) {
      FirstMessage[] holder = new FirstMessage[1];
      holder[0] = new FirstMessage(message -> {
        try {
          routing.execute(() -> routeSpark(call, headers, principal, listener, holder[0], message));
        } catch (RejectedExecutionException full) {
          metrics.refused(Status.Code.RESOURCE_EXHAUSTED);
          call.close(Status.RESOURCE_EXHAUSTED.withDescription("gateway is busy; retry"), new Metadata());
        }
      }, () -> call.close(Status.INVALID_ARGUMENT.withDescription("a Spark Connect call needs a request "
          + "message"), new Metadata()));
      listener.attach(holder[0]);
      call.request(1);
    }

    private void routeSpark(ServerCall<byte[], byte[]> call, Metadata headers, String principal,
        DeferredListener<byte[]> listener, FirstMessage first, byte[] message) {
      String sessionId;
      byte[] stamped;
      try {
        sessionId = SparkRequests.sessionId(message);
        stamped = SparkRequests.withUserId(message, principal);
      } catch (java.io.IOException e) {
        call.close(Status.INVALID_ARGUMENT.withDescription("the request message cannot be read as a Spark "
            + "Connect request"), new Metadata());
        return;
      }
      if (sessionId == null || !SparkRequests.SESSION_ID.matcher(sessionId).matches()) {
        call.close(Status.INVALID_ARGUMENT.withDescription("session_id must be a lowercase UUID (as Spark "
            + "Connect clients make them)"), new Metadata());
        return;
      }
      headers.discardAll(SESSION);
      headers.put(SESSION, sessionId);
      boolean release = SparkRequests.RELEASE_SESSION.equals(method.getFullMethodName());
      Route r = directory.route(sessionId);
      if (first.cancelled()) {
        call.close(Status.CANCELLED.withDescription("the client cancelled the call"), new Metadata());
        return;
      }
      if (r == null && creator != null && SparkRequests.opensSession(method.getFullMethodName())) {
        Status over = reserve(principal);
        if (over != null) {
          call.close(over, new Metadata());
          return;
        }
        try {
          // First use: make the session the pool places. Another replica may be doing the same;
          // the object's name is the id, so only one is made, and its owner is the first caller.
          creator.createForClient(principal, sessionId);
          directory.awaitPresent(sessionId, hold);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          call.close(Status.UNAVAILABLE.withDescription("gateway stopping"), new Metadata());
          return;
        } catch (RuntimeException e) {
          LOG.warn("cannot create the session {} for {}", sessionId, principal, e);
          call.close(Status.UNAVAILABLE.withDescription("cannot create the session now; retry"), new Metadata());
          return;
        } finally {
          unreserve(principal);
        }
      }
      ServerCall<byte[], byte[]> c = call;
      if (release && r != null && creator != null && r.principal().equals(principal)) {
        c = new ClosingCall(call, r);
      }
      route(c, headers, sessionId, principal, listener, first, stamped);
    }

    /** For a Spark operation's reattach or release, the driver it started on (if that is known here). */
    private Optional<String> operationsDriver(String sessionId, byte[] firstMessage) {
      String name = method.getFullMethodName();
      if (firstMessage == null || !(SparkRequests.REATTACH_EXECUTE.equals(name)
          || SparkRequests.RELEASE_EXECUTE.equals(name))) {
        return Optional.empty();
      }
      try {
        String op = SparkRequests.operationId(name, firstMessage);
        return op == null ? Optional.empty() : operations.placeOf(sessionId, op);
      } catch (java.io.IOException e) {
        return Optional.empty();
      }
    }

    /** Remembers where a Spark ExecutePlan is sent; the decision itself is unchanged. */
    private RouteDecision toOperationsDriver(RouteDecision decision, String sessionId, byte[] firstMessage) {
      if (decision instanceof RouteDecision.Forward f && firstMessage != null
          && SparkRequests.EXECUTE_PLAN.equals(method.getFullMethodName())) {
        try {
          String op = SparkRequests.operationId(method.getFullMethodName(), firstMessage);
          if (op != null) {
            operations.started(sessionId, op, f.endpoint());
          }
        } catch (java.io.IOException e) {
          // not a request the driver will run either
        }
      }
      return decision;
    }

    /**
     * Routes a call to its session's driver; with {@code first}, the call's first message was read
     * already and is sent as {@code firstMessage}.
     */
    private void route(ServerCall<byte[], byte[]> call, Metadata headers, String sessionId, String principal,
        DeferredListener<byte[]> listener, FirstMessage first, byte[] firstMessage) {
      RouteDecision decision;
      try {
        if (sessionId != null && !sessionId.isEmpty() && directory.route(sessionId) == null) {
          // Another replica may have created it a moment ago and this cache not seen it yet.
          directory.awaitPresent(sessionId, UNKNOWN_SESSION_WAIT);
        }
        decision = RouteDecision.decide(sessionId, directory.route(sessionId), principal);
        Optional<String> started = operationsDriver(sessionId, firstMessage);
        if (started.isPresent() && !(decision instanceof RouteDecision.Refuse)) {
          // The operation runs on the driver it started on, moving session or not: no hold.
          decision = new RouteDecision.Forward(started.get());
        }
        if (decision instanceof RouteDecision.Hold) {
          metrics.holding(true);
          try {
            decision = directory.decide(sessionId, principal, hold);
          } finally {
            metrics.holding(false);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        call.close(Status.UNAVAILABLE.withDescription("gateway stopping"), new Metadata());
        return;
      }
      decision = toOperationsDriver(decision, sessionId, firstMessage);
      if (decision instanceof RouteDecision.Refuse refuse) {
        call.close(refuse.status(), new Metadata());
      } else if (decision instanceof RouteDecision.Hold held) {
        StatusRuntimeException retry = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Code.UNAVAILABLE_VALUE).setMessage(held.reason() + " for longer than " + hold + "; retry")
            .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(
                com.google.protobuf.Duration.newBuilder().setSeconds(1)).build())).build());
        call.close(retry.getStatus(), retry.getTrailers());
      } else if (decision instanceof RouteDecision.Forward forward) {
        CallProxy<byte[], byte[]> proxy = new CallProxy<>(call, headers,
            endpoint -> upstream(endpoint).newCall(method, CallOptions.DEFAULT), new Resend(sessionId, principal),
            retained, message -> message.length);
        try {
          if (first == null) {
            listener.attach(proxy.fromClient);
            proxy.attempt(forward.endpoint());
          } else {
            first.handOff(proxy, firstMessage, forward.endpoint());
          }
        } catch (RuntimeException e) {
          LOG.warn("cannot forward a call of session {} to {}", sessionId, forward.endpoint(), e);
          proxy.giveUp(Status.UNAVAILABLE.withDescription("cannot reach the session's driver; retry"), null);
        }
      }
    }
  }

  /**
   * Sends a call again once the driver it reached did not run it because the session is moving
   * or moved (or said NOT_FOUND while the session is placed elsewhere): to the session's driver
   * as the directory names it, after the move's freeze, within the hold.
   */
  private final class Resend implements CallProxy.Resender<byte[], byte[]> {
    private final String sessionId;
    private final String principal;
    private long deadline;

    Resend(String sessionId, String principal) {
      this.sessionId = sessionId;
      this.principal = principal;
    }

    @Override
    public void resend(CallProxy<byte[], byte[]> proxy, String failed, Status status, Metadata trailers) {
      try {
        routing.execute(() -> next(proxy, failed, status, trailers));
      } catch (RejectedExecutionException full) {
        proxy.giveUp(status, trailers);
      }
    }

    private void next(CallProxy<byte[], byte[]> proxy, String failed, Status status, Metadata trailers) {
      boolean notRun = CallProxy.notRun(status, trailers);
      synchronized (this) {
        if (deadline == 0) {
          deadline = System.nanoTime() + hold.toNanos();
        }
      }
      metrics.holding(true);
      try {
        while (true) {
          Route seen = directory.route(sessionId);
          if (!notRun && (seen == null || "Bound".equals(seen.phase()) && failed.equals(seen.endpoint()))) {
            proxy.giveUp(status, trailers); // a real NOT_FOUND: the directory agrees with the driver
            return;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            proxy.giveUp(status, trailers); // UNAVAILABLE with the driver's RetryInfo: the client retries
            return;
          }
          // Once the new placement is written the directory changes; an aborted move leaves it as it was.
          if (seen != null && failed.equals(seen.endpoint())) {
            directory.awaitChange(sessionId, seen, Duration.ofMillis(Math.min(RESEND_WAIT_MILLIS, left / 1_000_000)));
          }
          RouteDecision d = directory.decide(sessionId, principal,
              Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
          if (d instanceof RouteDecision.Forward f && (notRun || !f.endpoint().equals(failed))) {
            metrics.resent();
            proxy.attempt(f.endpoint());
            return;
          }
          if (d instanceof RouteDecision.Refuse r) {
            proxy.giveUp(r.status(), new Metadata());
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        proxy.giveUp(status, trailers);
      } catch (RuntimeException e) {
        LOG.warn("cannot send a call of session {} again", sessionId, e);
        proxy.giveUp(status, trailers);
      } finally {
        metrics.holding(false);
      }
    }
  }

  /**
   * Creates the caller's ClientSession, waits until the operator has opened it on a driver, and
   * answers with its id and the configuration the driver reports.
   */
  private void openSession(ServerCall<byte[], byte[]> call, Metadata headers, String principal,
      DeferredListener<byte[]> listener) {
    listener.attach(new ServerCall.Listener<>() {
      private byte[] request;

      @Override
      public void onMessage(byte[] message) {
        request = message;
      }

      @Override
      public void onHalfClose() {
        try {
          routing.execute(() -> answerOpen(call, principal, request));
        } catch (RejectedExecutionException full) {
          call.close(Status.RESOURCE_EXHAUSTED.withDescription("gateway is busy; retry"), new Metadata());
        }
      }
    });
    call.request(1);
  }

  private void answerOpen(ServerCall<byte[], byte[]> call, String principal, byte[] request) {
    dev.baton.proto.v1.OpenSessionRequest open;
    try {
      open = dev.baton.proto.v1.OpenSessionRequest.parseFrom(request);
    } catch (Exception e) {
      call.close(Status.INVALID_ARGUMENT.withDescription("OpenSession request cannot be decoded"), new Metadata());
      return;
    }
    Status over = reserve(principal);
    if (over != null) {
      call.close(over, new Metadata());
      return;
    }
    SessionCreator.Created created;
    try {
      created = creator.create(principal, open.getConfigMap());
    } catch (RuntimeException e) {
      unreserve(principal);
      call.close(Status.UNAVAILABLE.withDescription("cannot create the session now: " + e.getMessage()), new Metadata());
      return;
    }
    String id = created.sessionId();
    Status failure;
    try {
      // Not in this replica's cache yet is "not placed yet", never NOT_FOUND: it was just made.
      boolean seen;
      try {
        seen = directory.awaitPresent(id, hold);
      } finally {
        unreserve(principal);
      }
      RouteDecision decision = seen ? directory.decide(id, principal, hold)
          : new RouteDecision.Hold("session not seen yet");
      if (decision instanceof RouteDecision.Forward forward) {
        Metadata asCaller = new Metadata();
        asCaller.put(PRINCIPAL, principal);
        asCaller.put(SESSION, id);
        var config = dev.baton.proto.v1.SessionServiceGrpc.newBlockingStub(upstream(forward.endpoint()))
            .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(asCaller))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .getConfig(dev.baton.proto.v1.GetConfigRequest.newBuilder().setSessionId(id).build());
        call.sendHeaders(new Metadata());
        call.sendMessage(dev.baton.proto.v1.OpenSessionResponse.newBuilder().setSessionId(id)
            .putAllConfig(config.getConfigMap()).build().toByteArray());
        call.close(Status.OK, new Metadata());
        return;
      }
      failure = decision instanceof RouteDecision.Refuse r ? r.status()
          : Status.UNAVAILABLE.withDescription("session not placed within " + hold + "; retry");
    } catch (StatusRuntimeException e) {
      failure = e.getStatus();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = Status.UNAVAILABLE.withDescription("gateway stopping");
    } catch (Exception e) {
      failure = Status.INTERNAL.withDescription("cannot open session: " + e.getMessage());
    }
    // The client gets an error and will open again: the half-made session must not stay behind.
    try {
      creator.abandon(created);
    } catch (RuntimeException e) {
      LOG.warn("session {} was not opened and its ClientSession {} stays: {}", id, created.name(), e.toString());
    }
    call.close(failure, new Metadata());
  }

  /** A CloseSession call that, once the driver has closed the session, removes its ClientSession. */
  private final class ClosingCall extends io.grpc.ForwardingServerCall.SimpleForwardingServerCall<byte[], byte[]> {
    private final Route route;

    ClosingCall(ServerCall<byte[], byte[]> delegate, Route route) {
      super(delegate);
      this.route = route;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (status.isOk()) {
        try {
          creator.closed(route);
        } catch (RuntimeException e) {
          LOG.warn("session {} closed but its ClientSession stays: {}", route.sessionId(), e.toString());
        }
      }
      super.close(status, trailers);
    }
  }

  /** The channel to a driver, with the session token attached when the pool has one. */
  private Channel upstream(String endpoint) {
    ManagedChannel ch = channel(endpoint);
    return toDrivers == null ? ch : ClientInterceptors.intercept(ch, toDrivers);
  }

  ManagedChannel channel(String endpoint) {
    return drivers.computeIfAbsent(endpoint, e -> NettyChannelBuilder.forTarget(e).usePlaintext()
        .maxInboundMessageSize(512 << 20).build());
  }

  /**
   * Closes channels to drivers no session is routed to any more (moves and scale-downs leave
   * them behind). Gracefully: a stream still open on one finishes; a later call opens a new one.
   */
  /** Endpoints with an open channel. */
  java.util.Set<String> channelEndpoints() {
    return java.util.Set.copyOf(drivers.keySet());
  }

  void pruneChannels() {
    java.util.Set<String> routed = new java.util.HashSet<>();
    for (Route r : directory.all()) {
      if (r.endpoint() != null) {
        routed.add(r.endpoint());
      }
    }
    drivers.entrySet().removeIf(e -> {
      if (routed.contains(e.getKey())) {
        return false;
      }
      e.getValue().shutdown();
      return true;
    });
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    drivers.values().forEach(ManagedChannel::shutdownNow);
    routing.shutdownNow();
    pruner.shutdownNow();
    if (toDrivers != null) {
      toDrivers.close();
    }
  }
}

package dev.baton.driver;

import dev.baton.driver.engine.EngineSandbox;
import dev.baton.driver.service.CallerInterceptor;
import dev.baton.proto.auth.CallerTokenInterceptor;
import dev.baton.driver.service.DriverControlImpl;
import dev.baton.proto.auth.DriverTokens;
import dev.baton.driver.service.RequestDecoding;
import dev.baton.driver.service.SessionServiceImpl;
import dev.baton.driver.service.StatusErrors;
import dev.baton.driver.service.StatusMessageLimit;
import dev.baton.driver.session.OperationRunner;
import dev.baton.driver.session.OperationWatchdog;
import dev.baton.driver.session.SessionRegistry;
import dev.baton.driver.snapshot.SessionMover;
import dev.baton.proto.v1.DriverControlGrpc;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.driver.spark.SparkConnectService;
import dev.baton.driver.spark.SparkConnectVersion;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running driver: the gRPC server, its sessions, and its orderly shutdown. */
public final class DriverServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DriverServer.class);
  /** Snapshots carry tables and buffered results, so imports may be large. */
  private static final int MAX_IMPORT_BYTES = 512 << 20;

  private final DriverSettings settings;
  private final BufferAllocator allocator = new RootAllocator();
  private final ExecutorService operations;
  private final SessionRegistry registry;
  private final OperationWatchdog watchdog;
  private final HealthStatusManager health = new HealthStatusManager();
  private final Server server;
  /** DriverControl alone, for the operator, when the driver has a control port; else null. */
  private final Server controlServer;
  private volatile boolean stopped;

  private DriverServer(DriverSettings settings) throws IOException {
    this.settings = settings;
    Files.createDirectories(settings.scratchDirectory());
    AtomicInteger threadCount = new AtomicInteger();
    // One thread per running operation (a producer may wait for a slow reader); bounded, so a
    // flood of ExecutePlan calls is refused (RESOURCE_EXHAUSTED) instead of exhausting the JVM.
    this.operations = new ThreadPoolExecutor(0, settings.maxRunningOperations(), 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "operation-" + threadCount.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.registry = new SessionRegistry(settings.sessionDefaults(),
        new EngineSandbox(settings.dataDirectories(), settings.scratchDirectory()), allocator,
        settings.maxSessions());
    this.watchdog = new OperationWatchdog(registry);
    OperationRunner runner = new OperationRunner(operations, t -> StatusErrors.toStatus(t).asRuntimeException());
    SessionMover mover = new SessionMover(registry, settings.snapshotMaxTableBytes(), settings.version());
    // Interceptors run last-added first: the caller's token is checked before anything else,
    // and every status message leaving the driver is bounded.
    DriverTokens tokens = settings.tokens();
    List<ServerInterceptor> sessionGuards = guards(new CallerInterceptor(),
        tokens.sessionRequired() ? CallerTokenInterceptor.session(tokens) : null);
    List<ServerInterceptor> controlGuards = guards(null,
        tokens.controlRequired() ? CallerTokenInterceptor.control(tokens) : null);
    long maxRequest = settings.maxRequestBytes();
    boolean separateControl = settings.controlPort() != null;
    DriverControlImpl control = new DriverControlImpl(registry, mover, settings.version(), settings.revision(), tokens,
        this::controlPort);
    // With a control port, the main port takes nothing larger than a session API request; only the
    // control port (the operator's, behind the control token) takes snapshots up to 512 MiB.
    // DriverControl stays on the main port too (small requests only), so an operator that does
    // not know the control port still reaches it. Without one, the main port's transport limit is
    // the largest any method takes, and RequestDecoding applies each method's own.
    ServerServiceDefinition sessionService = ServerInterceptors.intercept(RequestDecoding.guard(
        new SessionServiceImpl(registry, runner, settings.version(), settings.revision()).bindService(),
        method -> maxRequest), sessionGuards);
    this.server = listener(settings.port(), separateControl ? maxRequest : Math.max(MAX_IMPORT_BYTES, maxRequest))
        .addService(sessionService)
        .addService(ServerInterceptors.intercept(RequestDecoding.guard(
            new SparkConnectService(registry, new OperationRunner(operations, SparkConnectService::toError),
                !tokens.sessionRequired(), SparkConnectVersion.VERSION).bindService(),
            method -> maxRequest), sessionGuards))
        .addService(controlService(control, separateControl ? maxRequest : MAX_IMPORT_BYTES, maxRequest, controlGuards))
        .addService(ServerInterceptors.intercept(health.getHealthService(), new StatusMessageLimit()))
        .build();
    // The control port serves the session API too (behind the session token, at its own limit):
    // the operator opens and closes declared sessions there, on every kind of driver (a Spark
    // driver's main port is Spark Connect's own).
    this.controlServer = !separateControl ? null : listener(settings.controlPort(), MAX_IMPORT_BYTES)
        .addService(controlService(control, MAX_IMPORT_BYTES, maxRequest, controlGuards))
        .addService(sessionService)
        .addService(ServerInterceptors.intercept(health.getHealthService(), new StatusMessageLimit()))
        .build();
  }

  /** A gRPC listener on {@code port} of the driver's address taking messages up to {@code maxInbound}. */
  private NettyServerBuilder listener(int port, long maxInbound) {
    return NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), port))
        .maxInboundMessageSize((int) maxInbound)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
  }

  /** DriverControl behind its guards: ImportSession up to {@code importBytes}, the rest up to {@code maxRequest}. */
  private static ServerServiceDefinition controlService(DriverControlImpl control, long importBytes, long maxRequest,
      List<ServerInterceptor> guards) {
    String importMethod = DriverControlGrpc.getImportSessionMethod().getFullMethodName();
    return ServerInterceptors.intercept(RequestDecoding.guard(control.bindService(),
        method -> method.equals(importMethod) ? importBytes : maxRequest), guards);
  }

  /** The interceptors of one service, in call order reversed (gRPC runs the last one first). */
  private static List<ServerInterceptor> guards(ServerInterceptor caller, ServerInterceptor token) {
    List<ServerInterceptor> out = new ArrayList<>();
    if (caller != null) {
      out.add(caller);
    }
    if (token != null) {
      out.add(token);
    }
    out.add(new StatusMessageLimit());
    return out;
  }

  public static DriverServer start(DriverSettings settings) throws IOException {
    DriverServer driver = new DriverServer(settings);
    driver.server.start();
    if (driver.controlServer != null) {
      driver.controlServer.start();
    }
    driver.setServing(ServingStatus.SERVING);
    LOG.info("driver started version={} revision={} address={}:{} controlPort={} dataDirs={} controlToken={} "
        + "sessionToken={}", settings.version(), settings.revision(), settings.host(), driver.port(),
        driver.controlServer == null ? "none" : driver.controlPort(), settings.dataDirectories(),
        settings.controlTokenRequired() ? "required" : "not required",
        settings.sessionApiToken() != null ? "required" : "not required");
    return driver;
  }

  private void setServing(ServingStatus status) {
    health.setStatus("", status);
    health.setStatus(SessionServiceGrpc.SERVICE_NAME, status);
    health.setStatus(DriverControlGrpc.SERVICE_NAME, status);
    health.setStatus(SparkConnectServiceGrpc.SERVICE_NAME, status);
  }

  /** The bound port (useful when started with port 0). */
  public int port() {
    return server.getPort();
  }

  /** The bound control port, or -1 when DriverControl is served on the main port only. */
  public int controlPort() {
    return controlServer == null ? -1 : controlServer.getPort();
  }

  public SessionRegistry registry() {
    return registry;
  }

  /**
   * Stops the way SIGTERM asks: no new sessions or operations, health NOT_SERVING, then waits up
   * to {@code grace} for in-flight operations to finish and be read, then closes everything.
   */
  public synchronized void shutdownGracefully(Duration grace) {
    if (stopped) {
      return;
    }
    stopped = true;
    long deadline = System.nanoTime() + grace.toNanos();
    registry.stopping();
    setServing(ServingStatus.NOT_SERVING);
    LOG.info("driver stopping: waiting up to {} for {} operation(s) in flight", grace,
        registry.operationsInFlight());
    while (registry.operationsInFlight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int left = registry.operationsInFlight();
    if (left > 0) {
      LOG.warn("grace period over with {} operation(s) in flight; stopping them", left);
    }
    server.shutdown();
    if (controlServer != null) {
      controlServer.shutdown();
    }
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
      if (controlServer != null) {
        controlServer.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
    if (controlServer != null) {
      controlServer.shutdownNow();
    }
    registry.closeAll();
    watchdog.close();
    operations.shutdownNow();
    health.enterTerminalState();
    LOG.info("driver stopped");
  }

  @Override
  public void close() {
    shutdownGracefully(Duration.ZERO);
    allocator.close();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  public DriverSettings settings() {
    return settings;
  }
}

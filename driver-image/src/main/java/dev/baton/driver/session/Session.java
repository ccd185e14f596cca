package dev.baton.driver.session;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.plan.PlanCompiler;
import dev.baton.driver.plan.SqlText;
import dev.baton.proto.v1.MoveStatus;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.ViewDefinition;
import io.grpc.Status;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A client session on this driver: its owner, configuration, declared views, operations and
 * private engine. The engine runs one statement at a time, in arrival order ({@link #engineLock}).
 */
public final class Session implements AutoCloseable {
  private final String id;
  private final String principal;
  private final Instant openedAt;
  private final SessionEngine engine;
  private final ResultBudget budget;
  private final ReentrantLock engineLock = new ReentrantLock(true);
  private final Map<String, ViewDefinition> views = new LinkedHashMap<>();
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();
  private final SparkSessionState spark = new SparkSessionState();
  private volatile SessionConfig config;
  private volatile Instant lastActive;
  private volatile boolean closed;
  /**
   * The move fence: every client call runs holding the read side ({@link #admit}); a freeze takes
   * the write side, so it waits for calls already admitted, and none is admitted after it.
   */
  private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();
  private volatile boolean frozen;
  /** A freeze is waiting for admitted calls: new calls are refused rather than parked behind it. */
  private volatile boolean freezing;
  /** Imported here and not yet complete (frozen until it is). */
  private volatile boolean importing;

  Session(String id, String principal, Instant openedAt, SessionConfig config, SessionEngine engine) {
    this.id = id;
    this.principal = principal;
    this.openedAt = openedAt;
    this.config = config;
    this.engine = engine;
    this.budget = new ResultBudget(config.resultBufferBytes());
    this.lastActive = Instant.now();
  }

  public String id() {
    return id;
  }

  public String principal() {
    return principal;
  }

  public Instant openedAt() {
    return openedAt;
  }

  public Instant lastActive() {
    return lastActive;
  }

  public void touch() {
    lastActive = Instant.now();
  }

  /** The session as Spark Connect clients see it (server-side id, Spark config). */
  public SparkSessionState spark() {
    return spark;
  }

  public SessionConfig config() {
    return config;
  }

  public ResultBudget budget() {
    return budget;
  }

  public SessionEngine engine() {
    return engine;
  }

  public ReentrantLock engineLock() {
    return engineLock;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Whether the session is frozen for a move (calls are answered SESSION_MOVING). */
  public boolean isFrozen() {
    return frozen;
  }

  /** One client call admitted into the session; closing it lets a freeze proceed. */
  public interface Admission extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Admits one call: it runs holding the fence's read side. A frozen session admits nothing: the
   * call is answered UNAVAILABLE / SESSION_MOVING and not run.
   */
  public Admission admit() {
    if (frozen || freezing) {
      throw MoveStatus.moving(id, MOVING_RETRY_MILLIS);
    }
    ReentrantReadWriteLock.ReadLock read = fence.readLock();
    read.lock();
    if (frozen) {
      read.unlock();
      throw MoveStatus.moving(id, MOVING_RETRY_MILLIS);
    }
    return read::unlock;
  }

  /** How long a caller of a frozen session is asked to wait before it retries. */
  static final long MOVING_RETRY_MILLIS = 200;

  /**
   * Freezes the session for a move: waits up to {@code wait} for admitted calls to finish, then
   * admits none. With running operations it refuses (FAILED_PRECONDITION) unless
   * {@code stopRunning}, in which case they are stopped (their callers read
   * OPERATION_STOPPED_FOR_MOVE) and awaited. Freezing a frozen session changes nothing.
   */
  public void freeze(boolean stopRunning, java.time.Duration wait) throws InterruptedException {
    if (stopRunning) {
      stopRunning();
    }
    ReentrantReadWriteLock.WriteLock write = fence.writeLock();
    freezing = true;
    boolean locked;
    try {
      locked = write.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      freezing = false;
    }
    if (!locked) {
      throw Status.FAILED_PRECONDITION.withDescription("session " + id + " has calls in progress that did not "
          + "finish within " + wait + "; try the move again").asRuntimeException();
    }
    try {
      long running = runningOperations();
      if (running > 0 && !stopRunning) {
        throw Status.FAILED_PRECONDITION.withDescription("session " + id + " has " + running
            + " running operation(s); export it once they finish").asRuntimeException();
      }
      frozen = true;
      if (running > 0) {
        stopRunning(); // started between the first stop and the fence
      }
    } finally {
      write.unlock();
    }
    long deadline = System.nanoTime() + wait.toNanos();
    while (runningOperations() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /**
   * Stops operations whose statement is still running. One whose statement has finished (it may
   * have changed data) is never reported stopped: it is left to finish and the freeze waits for it.
   */
  private void stopRunning() {
    for (Operation op : operations.values()) {
      if (!op.isFinished() && !op.isStatementDone()) {
        op.stop(Operation.StopReason.STOPPED_FOR_MOVE);
      }
    }
  }

  /** A session being imported is frozen until its state is complete. */
  void freezeForImport() {
    importing = true;
    frozen = true;
  }

  /** The import is complete: the session serves calls. */
  public void imported() {
    importing = false;
    frozen = false;
  }

  /**
   * Ends a freeze (an aborted move); returns whether the session was frozen. A copy still being
   * imported is refused: only its importer may open it.
   */
  public boolean unfreeze() {
    if (importing) {
      throw Status.FAILED_PRECONDITION.withDescription("session " + id + " is still being imported here")
          .asRuntimeException();
    }
    boolean was = frozen;
    frozen = false;
    return was;
  }

  public synchronized SessionConfig changeConfig(Map<String, String> set, List<String> unset) {
    config = config.withUserChanges(set, unset);
    return config;
  }

  /** A compiler whose column look-ups run on this session's engine (caller holds the lock). */
  public PlanCompiler compiler() {
    return new PlanCompiler(sql -> {
      try {
        return engine.columnsOf(sql);
      } catch (SQLException e) {
        throw new EngineException(e);
      }
    });
  }

  /** Defines a view; the plan is compiled and checked by the engine before it is kept. */
  public void createView(String name, Plan plan, boolean replace) throws SQLException {
    String quoted = SqlText.identifier("name", name);
    engineLock.lock();
    try {
      synchronized (views) {
        if (!replace && views.containsKey(name)) {
          throw Status.ALREADY_EXISTS.withDescription("view '" + name + "' already exists; "
              + "set replace to redefine it").asRuntimeException();
        }
      }
      String sql = compiler().compileQuery(plan);
      // A view body is one query: checked like any SQL, so it cannot close the statement it is
      // wrapped in and append another, here or when a snapshot is imported.
      engine.check(sql, dev.baton.driver.engine.SqlSandbox.Use.QUERY);
      engine.execute("CREATE OR REPLACE VIEW " + quoted + " AS " + sql + "\n");
      synchronized (views) {
        views.remove(name);
        views.put(name, ViewDefinition.newBuilder().setName(name).setPlan(plan).build());
      }
    } finally {
      engineLock.unlock();
    }
  }

  public void dropView(String name, boolean ifExists) throws SQLException {
    engineLock.lock();
    try {
      synchronized (views) {
        if (!views.containsKey(name)) {
          if (ifExists) {
            return;
          }
          throw Status.NOT_FOUND.withDescription("no view named '" + name + "' in this session")
              .asRuntimeException();
        }
      }
      engine.execute("DROP VIEW IF EXISTS " + SqlText.identifier("name", name));
      synchronized (views) {
        views.remove(name);
      }
    } finally {
      engineLock.unlock();
    }
  }

  public List<ViewDefinition> views() {
    synchronized (views) {
      return new ArrayList<>(views.values());
    }
  }

  /** Registers an operation unless one with its id exists; returns the one registered. */
  public Operation putOperationIfAbsent(Operation op) {
    Operation existing = operations.putIfAbsent(op.id(), op);
    return existing != null ? existing : op;
  }

  public Operation operation(String operationId) {
    Operation op = operations.get(operationId);
    if (op == null) {
      throw Status.NOT_FOUND.withDescription("no operation '" + operationId + "' in session "
          + id + " (never started here, or already released)").asRuntimeException();
    }
    return op;
  }

  public void forgetOperation(String operationId) {
    operations.remove(operationId);
  }

  public Collection<Operation> operations() {
    return operations.values();
  }

  public long runningOperations() {
    return operations.values().stream().filter(o -> !o.isFinished()).count();
  }

  @Override
  public void close() {
    close(Operation.StopReason.SESSION_CLOSED);
  }

  /** Closes the session; readers of its operations get {@code reason}. */
  public void close(Operation.StopReason reason) {
    closed = true;
    for (Operation op : operations.values()) {
      if (reason == Operation.StopReason.MOVED) {
        op.movedAway(reason.error(id));
      } else {
        op.releaseAll(reason);
      }
    }
    operations.clear();
    engineLock.lock();
    try {
      engine.close();
    } finally {
      engineLock.unlock();
    }
  }
}

package dev.baton.driver.session;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.plan.PlanCompiler;
import dev.baton.driver.plan.SqlText;
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
import java.util.concurrent.locks.ReentrantLock;

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
  private volatile SessionConfig config;
  private volatile Instant lastActive;
  private volatile boolean closed;

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
    closed = true;
    for (Operation op : operations.values()) {
      op.releaseAll(Operation.StopReason.SESSION_CLOSED);
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

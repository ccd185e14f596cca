package dev.baton.driver.snapshot;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.baton.driver.engine.SessionEngine;
import dev.baton.driver.session.Operation;
import dev.baton.driver.session.Session;
import dev.baton.driver.session.SessionRegistry;
import dev.baton.proto.v1.OperationSnapshot;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.TableSnapshot;
import dev.baton.proto.v1.ViewDefinition;
import io.grpc.Status;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a session to a snapshot and imports one into a new session with the same id. What
 * moves: config, declared views, tables (up to a size limit), the unreleased results of
 * finished operations, so a client can reattach to them on the new driver, and what a Spark
 * Connect client has seen (its server-side session id and Spark config).
 */
public final class SessionMover {
  private static final Logger LOG = LoggerFactory.getLogger(SessionMover.class);

  private final SessionRegistry registry;
  private final long maxTableBytes;
  private final String driverVersion;

  public SessionMover(SessionRegistry registry, long maxTableBytes, String driverVersion) {
    this.registry = registry;
    this.maxTableBytes = maxTableBytes;
    this.driverVersion = driverVersion;
  }

  /**
   * Exports a session; with {@code freeze}, fences it first (see {@link Session#freeze}), so
   * the snapshot is the session's last state here.
   */
  public SessionSnapshot export(Session session, boolean freeze, boolean stopRunning) throws Exception {
    if (!freeze) {
      return export(session);
    }
    boolean wasFrozen = session.isFrozen();
    session.freeze(stopRunning, FREEZE_WAIT);
    try {
      if (session.runningOperations() > 0) {
        throw Status.FAILED_PRECONDITION.withDescription("session " + session.id() + " still has running "
            + "operations after the freeze waited for them; export it again").asRuntimeException();
      }
      return export(session);
    } catch (Exception | Error e) {
      if (!wasFrozen) {
        session.unfreeze(); // frozen by this call: a failed export leaves the session working
      }
      throw e;
    }
  }

  /** How long a freeze waits for calls in progress (and stopped operations) to end. */
  private static final java.time.Duration FREEZE_WAIT = java.time.Duration.ofSeconds(10);

  public SessionSnapshot export(Session session) throws Exception {
    long running = session.runningOperations();
    if (running > 0) {
      throw Status.FAILED_PRECONDITION.withDescription("session " + session.id() + " has "
          + running + " running operation(s); export it once they finish").asRuntimeException();
    }
    SessionSnapshot.Builder out = SessionSnapshot.newBuilder()
        .setFormatVersion(SnapshotUpgrader.CURRENT_FORMAT)
        .setSessionId(session.id())
        .setPrincipal(session.principal())
        .putAllConfig(session.config().asMap())
        .addAllViews(session.views())
        .setOpenedAt(Timestamps.fromMillis(session.openedAt().toEpochMilli()))
        .setExportedBy(driverVersion)
        .setSparkServerSideSessionId(session.spark().serverSideSessionIdIfSeen())
        .putAllSparkConfig(session.spark().conf());
    session.engineLock().lock();
    try {
      long total = 0;
      for (SessionEngine.TableRef table : session.engine().tables()) {
        byte[] data;
        try {
          data = session.engine().exportTable(table, maxTableBytes - total);
        } catch (SessionEngine.TableTooLargeException e) {
          throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()
              + " (tables of one session may total " + maxTableBytes + " bytes)").asRuntimeException();
        }
        total += data.length;
        out.addTables(TableSnapshot.newBuilder().setName(table.name())
            .setTemporary(table.temporary()).setArrowStream(ByteString.copyFrom(data)));
      }
    } finally {
      session.engineLock().unlock();
    }
    for (Operation op : session.operations()) {
      if (op.isSucceeded()) {
        out.addOperations(OperationSnapshot.newBuilder().setOperationId(op.id())
            .setPlanFingerprint(op.planFingerprint()).addAllResponses(op.bufferedResponses()));
      }
    }
    return out.build();
  }

  /** Opens the snapshot's session here; on any failure nothing of it is left open. */
  public Session importSnapshot(SessionSnapshot snapshot) throws Exception {
    SessionSnapshot current;
    try {
      current = SnapshotUpgrader.toCurrent(snapshot);
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    } catch (IllegalStateException e) {
      throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
    }
    if (current.getPrincipal().isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("snapshot has no principal").asRuntimeException();
    }
    Instant openedAt = current.hasOpenedAt()
        ? Instant.ofEpochMilli(Timestamps.toMillis(current.getOpenedAt())) : Instant.now();
    Session session = registry.openImported(current.getPrincipal(), current.getSessionId(),
        current.getConfigMap(), openedAt);
    try {
      session.spark().restore(current.getSparkServerSideSessionId(), current.getSparkConfigMap());
      session.engineLock().lock();
      try {
        for (TableSnapshot table : current.getTablesList()) {
          session.engine().importTable(table.getName(), table.getTemporary(),
              table.getArrowStream().toByteArray());
        }
      } finally {
        session.engineLock().unlock();
      }
      for (ViewDefinition view : current.getViewsList()) {
        session.createView(view.getName(), view.getPlan(), true);
      }
      for (OperationSnapshot op : current.getOperationsList()) {
        session.putOperationIfAbsent(Operation.restored(op.getOperationId(), op.getPlanFingerprint(),
            session.budget(), op.getResponsesList()));
      }
    } catch (Exception | Error e) {
      // Out of memory included: a copy left importing would stay frozen, and its move wait, forever.
      registry.close(session);
      throw e;
    }
    session.imported();
    LOG.info("session imported session={} format={} views={} tables={} operations={}",
        session.id(), snapshot.getFormatVersion(), current.getViewsCount(),
        current.getTablesCount(), current.getOperationsCount());
    return session;
  }
}

package dev.baton.client;

import dev.baton.proto.v1.CloseSessionRequest;
import dev.baton.proto.v1.CreateViewRequest;
import dev.baton.proto.v1.DropViewRequest;
import dev.baton.proto.v1.GetConfigRequest;
import dev.baton.proto.v1.InterruptRequest;
import dev.baton.proto.v1.ListViewsRequest;
import dev.baton.proto.v1.NamedTable;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.Read;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.SetConfigRequest;
import dev.baton.proto.v1.Sql;
import dev.baton.proto.v1.ViewDefinition;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A session on a Baton pool (or a single driver): SQL and DataFrames, config, views. Every call
 * rides through lost connections and driver handoffs by retrying and reattaching; errors that
 * remain reach you as {@link BatonException}. Close it when done.
 */
public final class Session implements AutoCloseable {
  static final Metadata.Key<String> SESSION_HEADER =
      dev.baton.proto.v1.Headers.SESSION_ID;

  private final String id;
  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final SessionServiceGrpc.SessionServiceBlockingStub blocking;
  private final SessionServiceGrpc.SessionServiceStub async;
  private final RetryPolicy retry;
  private final BufferAllocator allocator;
  private final Map<String, String> openConfig;
  private final int batchRows;
  private final boolean opened;
  private volatile boolean detached;
  private volatile boolean closed;

  Session(String id, ManagedChannel channel, boolean ownsChannel,
      SessionServiceGrpc.SessionServiceBlockingStub blocking, SessionServiceGrpc.SessionServiceStub async,
      RetryPolicy retry, BufferAllocator allocator, Map<String, String> openConfig, int batchRows,
      boolean opened) {
    this.id = id;
    this.channel = channel;
    this.ownsChannel = ownsChannel;
    Metadata headers = new Metadata();
    headers.put(SESSION_HEADER, id);
    this.blocking = blocking.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.async = async.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    this.retry = retry;
    this.allocator = allocator;
    this.openConfig = openConfig;
    this.batchRows = batchRows;
    this.opened = opened;
  }

  /** The session id: stays the same when the session moves to another driver. */
  public String id() {
    return id;
  }

  /** The configuration the driver reported when the session opened. */
  public Map<String, String> openConfig() {
    return openConfig;
  }

  /** A raw SQL query (or statement) run in the session's sandbox. */
  public DataFrame sql(String query) {
    return new DataFrame(this, Relation.newBuilder().setSql(Sql.newBuilder().setQuery(query)).build());
  }

  /** A table or view of the session by name ("t" or "schema.t"). */
  public DataFrame table(String name) {
    return new DataFrame(this, Relation.newBuilder().setRead(Read.newBuilder()
        .setTable(NamedTable.newBuilder().addAllNameParts(Arrays.asList(name.split("\\.", -1)))))
        .build());
  }

  /** Column {@code id} from start (inclusive) to end (exclusive). */
  public DataFrame range(long start, long end) {
    return range(start, end, 1);
  }

  public DataFrame range(long start, long end, long step) {
    return new DataFrame(this, Relation.newBuilder().setRange(Range.newBuilder().setStart(start)
        .setEnd(end).setStep(step)).build());
  }

  public DataFrameReader read() {
    return new DataFrameReader(this);
  }

  /** Runs a plan; what {@link DataFrame#stream()} calls. */
  public ArrowBatchStream execute(Plan plan) {
    checkOpen();
    OperationStream responses = new OperationStream(blocking, async, retry, id, plan, batchRows);
    return new ArrowBatchStream(responses,
        allocator.newChildAllocator("operation-" + responses.operationId(), 0, Long.MAX_VALUE));
  }

  void createView(String name, DataFrame df, boolean replace) {
    checkOpen();
    Retrier.call(retry, "create view " + name, () -> blocking.createView(CreateViewRequest.newBuilder()
        .setSessionId(id).setName(name).setPlan(df.plan()).setReplace(replace).build()));
  }

  /** Defines a view; fails with ALREADY_EXISTS if one of that name exists. */
  public void createView(String name, DataFrame df) {
    createView(name, df, false);
  }

  public void dropView(String name) {
    checkOpen();
    Retrier.call(retry, "drop view " + name, () -> blocking.dropView(DropViewRequest.newBuilder()
        .setSessionId(id).setName(name).setIfExists(true).build()));
  }

  /** The session's declared views, in the order they were defined. */
  public List<ViewDefinition> views() {
    checkOpen();
    return Retrier.call(retry, "list views", () -> blocking.listViews(
        ListViewsRequest.newBuilder().setSessionId(id).build())).getViewsList();
  }

  /** The session's whole configuration. */
  public Map<String, String> config() {
    checkOpen();
    return Retrier.call(retry, "get config", () -> blocking.getConfig(
        GetConfigRequest.newBuilder().setSessionId(id).build())).getConfigMap();
  }

  /** Sets a user key ({@code user.*}); engine keys are fixed at open. Returns the new config. */
  public Map<String, String> setConfig(String key, String value) {
    checkOpen();
    return Retrier.call(retry, "set config", () -> blocking.setConfig(SetConfigRequest.newBuilder()
        .setSessionId(id).putSet(key, value).build())).getConfigMap();
  }

  public Map<String, String> unsetConfig(String key) {
    checkOpen();
    return Retrier.call(retry, "unset config", () -> blocking.setConfig(SetConfigRequest.newBuilder()
        .setSessionId(id).addUnset(key).build())).getConfigMap();
  }

  /** Stops every running operation of the session; returns their ids. */
  public List<String> interruptAll() {
    checkOpen();
    return Retrier.call(retry, "interrupt", () -> blocking.interrupt(
        InterruptRequest.newBuilder().setSessionId(id).build())).getInterruptedOperationIdsList();
  }

  /** Stops one operation. */
  public List<String> interrupt(String operationId) {
    checkOpen();
    return Retrier.call(retry, "interrupt", () -> blocking.interrupt(InterruptRequest.newBuilder()
        .setSessionId(id).setOperationId(operationId).build())).getInterruptedOperationIdsList();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("session " + id + " is closed");
    }
  }

  /**
   * Stops using this object and leaves the session open, wherever it is: for a session handed
   * to another driver by hand (as {@code ./demo} does), or kept for another process that attaches
   * to it by id. {@link #close()} then frees only the client's resources.
   */
  public void detach() {
    detached = true;
  }

  /**
   * Frees the client's resources and, for a session this client opened (and did not
   * {@linkplain #detach() detach}), closes it on the driver. A session it attached to (a declared ClientSession) is left open: its owner object
   * decides its life.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!opened || detached) {
        return;
      }
      Retrier.call(retry.withDeadline(java.time.Duration.ofSeconds(10)), "close session",
          () -> blocking.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()));
    } catch (BatonException e) {
      if (e.code() != io.grpc.Status.Code.NOT_FOUND) {
        throw e;
      }
    } finally {
      allocator.close();
      if (ownsChannel) {
        channel.shutdown();
        try {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}

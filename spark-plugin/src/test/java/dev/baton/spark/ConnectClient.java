package dev.baton.spark;

import dev.baton.proto.v1.Headers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.CreateDataFrameViewCommand;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Range;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.SqlCommand;
import org.apache.spark.connect.proto.UserContext;
import org.sparkproject.connect.grpc.ManagedChannel;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.netty.NettyChannelBuilder;
import org.sparkproject.connect.grpc.stub.MetadataUtils;

/**
 * A Spark Connect client as thin as the protocol: one session (id, user), sending what PySpark
 * sends for conf, SQL, temp views and persist, and remembering the server-side session id it saw
 * (sent back in every request, as PySpark does, so a changed id is refused by the server).
 */
final class ConnectClient implements AutoCloseable {
  final String sessionId;
  private final String userId;
  private final ManagedChannel channel;
  private final SparkConnectServiceGrpc.SparkConnectServiceBlockingStub stub;
  private String serverSideSessionId = "";

  ConnectClient(int port, String sessionId, String userId, String sessionToken) {
    this.sessionId = sessionId;
    this.userId = userId;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Metadata headers = new Metadata();
    if (sessionToken != null) {
      headers.put(Metadata.Key.of(Headers.SESSION_TOKEN.name(), Metadata.ASCII_STRING_MARSHALLER), sessionToken);
    }
    this.stub = SparkConnectServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** A client of the same session on another server, carrying the server-side id seen so far. */
  ConnectClient reconnect(int port, String sessionToken) {
    ConnectClient c = new ConnectClient(port, sessionId, userId, sessionToken);
    c.serverSideSessionId = serverSideSessionId;
    return c;
  }

  String serverSideSessionId() {
    return serverSideSessionId;
  }

  private SparkConnectServiceGrpc.SparkConnectServiceBlockingStub call() {
    return stub.withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  private UserContext user() {
    return UserContext.newBuilder().setUserId(userId).build();
  }

  private void saw(String id) {
    if (!id.isEmpty()) {
      serverSideSessionId = id;
    }
  }

  private ConfigResponse config(ConfigRequest.Operation op) {
    ConfigRequest.Builder r = ConfigRequest.newBuilder().setSessionId(sessionId).setUserContext(user()).setOperation(op);
    if (!serverSideSessionId.isEmpty()) {
      r.setClientObservedServerSideSessionId(serverSideSessionId);
    }
    ConfigResponse response = call().config(r.build());
    saw(response.getServerSideSessionId());
    return response;
  }

  void setConf(String key, String value) {
    config(ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set.newBuilder()
        .addPairs(KeyValue.newBuilder().setKey(key).setValue(value))).build());
  }

  void unsetConf(String key) {
    config(ConfigRequest.Operation.newBuilder().setUnset(ConfigRequest.Unset.newBuilder().addKeys(key)).build());
  }

  /** The value of {@code key}, or null when unset. */
  String conf(String key) {
    ConfigResponse r = config(ConfigRequest.Operation.newBuilder().setGetOption(ConfigRequest.GetOption.newBuilder()
        .addKeys(key)).build());
    KeyValue kv = r.getPairs(0);
    return kv.hasValue() ? kv.getValue() : null;
  }

  /** Runs SQL as {@code spark.sql} does (a command, run at once). */
  void sql(String statement) {
    execute(Plan.newBuilder().setCommand(Command.newBuilder().setSqlCommand(SqlCommand.newBuilder()
        .setInput(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(statement))))).build());
  }

  /** {@code spark.range(n).createOrReplaceTempView(name)}. */
  void rangeView(String name, long n) {
    execute(Plan.newBuilder().setCommand(Command.newBuilder().setCreateDataframeView(CreateDataFrameViewCommand
        .newBuilder().setName(name).setReplace(true).setIsGlobal(false).setInput(range(n)))).build());
  }

  /** {@code spark.range(n).persist()}. */
  void persistRange(long n) {
    AnalyzePlanRequest.Builder r = AnalyzePlanRequest.newBuilder().setSessionId(sessionId).setUserContext(user())
        .setPersist(AnalyzePlanRequest.Persist.newBuilder().setRelation(range(n)));
    if (!serverSideSessionId.isEmpty()) {
      r.setClientObservedServerSideSessionId(serverSideSessionId);
    }
    saw(call().analyzePlan(r.build()).getServerSideSessionId());
  }

  /** The rows of a query, each as a list of its values' text. */
  List<List<String>> query(String sql) throws IOException {
    List<ExecutePlanResponse> responses = execute(Plan.newBuilder()
        .setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery(sql))).build());
    List<List<String>> rows = new ArrayList<>();
    try (RootAllocator allocator = new RootAllocator()) {
      for (ExecutePlanResponse r : responses) {
        if (!r.hasArrowBatch()) {
          continue;
        }
        try (ArrowStreamReader reader = new ArrowStreamReader(
            new ByteArrayInputStream(r.getArrowBatch().getData().toByteArray()), allocator)) {
          VectorSchemaRoot root = reader.getVectorSchemaRoot();
          while (reader.loadNextBatch()) {
            for (int i = 0; i < root.getRowCount(); i++) {
              List<String> row = new ArrayList<>();
              for (FieldVector v : root.getFieldVectors()) {
                row.add(String.valueOf(v.getObject(i)));
              }
              rows.add(row);
            }
          }
        }
      }
    }
    return rows;
  }

  private List<ExecutePlanResponse> execute(Plan plan) {
    ExecutePlanRequest.Builder r = ExecutePlanRequest.newBuilder().setSessionId(sessionId).setUserContext(user())
        .setOperationId(UUID.randomUUID().toString()).setPlan(plan);
    if (!serverSideSessionId.isEmpty()) {
      r.setClientObservedServerSideSessionId(serverSideSessionId);
    }
    List<ExecutePlanResponse> out = new ArrayList<>();
    Iterator<ExecutePlanResponse> it = call().executePlan(r.build());
    while (it.hasNext()) {
      ExecutePlanResponse response = it.next();
      saw(response.getServerSideSessionId());
      out.add(response);
    }
    return out;
  }

  private static Relation range(long n) {
    return Relation.newBuilder().setRange(Range.newBuilder().setStart(0).setEnd(n).setStep(1)).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}

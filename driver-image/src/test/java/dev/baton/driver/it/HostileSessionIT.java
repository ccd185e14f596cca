package dev.baton.driver.it;

import static dev.baton.client.Functions.call;
import static dev.baton.client.Functions.col;
import static dev.baton.client.Functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.client.Baton;
import dev.baton.client.BatonException;
import dev.baton.client.DataFrame;
import dev.baton.client.Row;
import dev.baton.client.Session;
import dev.baton.driver.testing.RawCalls;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile session against one driver: each attack is refused with its documented code, and
 * afterwards the driver and a bystander's session still work and hold what they held.
 */
@Timeout(180)
class HostileSessionIT {
  @TempDir
  static Path dir;
  private static Path data;
  private static TestDriver driver;
  private static ManagedChannel channel;
  private static Session mallory;
  private static Session bystander;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("shared.csv"), "id,owner\n1,bob\n2,carol\n");
    driver = TestDriver.start(Map.of("BATON_DATA_DIRS", data.toString(), "BATON_MAX_REQUEST_BYTES", "1MiB",
        "BATON_MAX_RUNNING_OPERATIONS", "3", "BATON_SESSION_RESULT_BUFFER", "1MiB"));
    channel = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().maxInboundMessageSize(64 << 20).build();
    mallory = Baton.builder().target(driver.target()).principal("mallory").connect();
    bystander = Baton.builder().target(driver.target()).principal("bob").connect();
    bystander.sql("CREATE TABLE ledger AS SELECT range AS id FROM range(10)").collect();
  }

  @AfterAll
  static void stop() throws Exception {
    bystander.close();
    mallory.close();
    channel.shutdownNow();
    driver.close();
  }

  @AfterEach
  void driverAndBystanderStillWork() {
    assertThat(bystander.table("ledger").count()).isEqualTo(10);
    assertThat(mallory.range(0, 5).count()).as("the attacker's own session still works too").isEqualTo(5);
    assertThat(bystander.sql("SELECT count(*) AS n FROM read_csv('" + data.resolve("shared.csv") + "')")
        .collect().get(0).getLong("n")).as("the shared data is untouched").isEqualTo(2);
  }

  private static BatonException refused(Supplier<?> call, Status.Code code, String... fragments) {
    BatonException[] caught = new BatonException[1];
    assertThatThrownBy(call::get).isInstanceOfSatisfying(BatonException.class, e -> {
      assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
      for (String f : fragments) {
        assertThat(e.getMessage()).contains(f);
      }
      caught[0] = e;
    });
    return caught[0];
  }

  @Test
  void loggingCannotBeTurnedOnSoTheSessionCannotCrashTheDriverOrWriteItsLog() throws Exception {
    // The data directory is one DuckDB may touch: unchecked, these calls would write log files
    // there, and one outside it would leave the session failing every statement, then abort the
    // driver when it closes.
    refused(() -> mallory.sql("CALL enable_logging(storage = 'file', storage_path = '" + data + "')")
        .collect(), Status.Code.PERMISSION_DENIED, "CALL");
    refused(() -> mallory.sql("SELECT * FROM enable_logging(storage = 'file', storage_path = '" + data + "')")
        .collect(), Status.Code.PERMISSION_DENIED, "enable_logging");
    try (Session s = Baton.builder().target(driver.target()).principal("mallory").connect()) {
      refused(() -> s.sql("CALL enable_logging(storage = 'file', storage_path = '/tmp/baton-mallory')").collect(),
          Status.Code.PERMISSION_DENIED);
      assertThat(s.range(0, 3).count()).as("the session still runs statements").isEqualTo(3);
    }
    try (var files = Files.list(data)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("shared.csv");
    }
  }

  @Test
  void dataDirectoriesCannotBeWrittenToSoNoSessionPlantsFilesForAnother() {
    refused(() -> mallory.sql("COPY (SELECT 9 AS id, 'mallory' AS owner) TO '" + data.resolve("shared.csv") + "'")
        .collect(), Status.Code.PERMISSION_DENIED, "COPY");
    refused(() -> mallory.sql("COPY (SELECT 1) TO '" + data.resolve("planted.csv") + "'").collect(),
        Status.Code.PERMISSION_DENIED);
    refused(() -> mallory.sql("EXPORT DATABASE '" + data.resolve("dump") + "'").collect(),
        Status.Code.PERMISSION_DENIED, "EXPORT");
    refused(() -> mallory.sql("ATTACH '" + data.resolve("new.db") + "' AS x").collect(),
        Status.Code.PERMISSION_DENIED);
    assertThat(data.resolve("planted.csv")).doesNotExist();
    assertThat(data.resolve("dump")).doesNotExist();
    assertThat(data.resolve("new.db")).doesNotExist();
    assertThat(mallory.sql("SELECT count(*) AS n FROM read_csv('" + data.resolve("shared.csv") + "')")
        .collect().get(0).getLong("n")).as("reading stays allowed").isEqualTo(2);
  }

  @Test
  void oneRequestRunsOneStatementAndAViewIsOneQuery() {
    refused(() -> mallory.sql("SELECT 1; DROP TABLE ledger").collect(), Status.Code.INVALID_ARGUMENT,
        "exactly one SQL statement");
    // A view body that closes the statement it is wrapped in and appends another.
    refused(() -> {
      mallory.sql("SELECT 1 AS x) AS a; CREATE TABLE smuggled AS SELECT 1; SELECT * FROM (SELECT 1")
          .createOrReplaceView("v");
      return null;
    }, Status.Code.INVALID_ARGUMENT);
    assertThat(mallory.sql("SELECT 1 AS id -- a trailing comment cannot swallow what wraps it")
        .filter(col("id").eq(lit(1))).count()).isEqualTo(1);
    assertThat(mallory.sql("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'smuggled'")
        .collect().get(0).getLong("n")).isZero();
    assertThat(mallory.views()).isEmpty();
  }

  @Test
  void requestsLargerThanTheLimitAreRefusedResourceExhausted() {
    String big = "SELECT '" + "x".repeat(2 << 20) + "' AS s";
    refused(() -> mallory.sql(big).collect(), Status.Code.RESOURCE_EXHAUSTED, "larger than this driver's limit");
    String small = "SELECT '" + "x".repeat(512 << 10) + "' AS s";
    assertThat(mallory.sql(small).collect().get(0).getString("s")).hasSize(512 << 10);
  }

  @Test
  void deepPlansReachTheCompilersLimitAndUndecodableBytesAreInvalidArgument() {
    assertThat(run(nested(150))).as("150 filters deep: far past protobuf's default nesting").isNotEmpty();
    assertThatThrownBy(() -> run(nested(260))).satisfies(e -> {
      Status s = Status.fromThrowable(e);
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("nested deeper than 200");
    });
    assertThatThrownBy(() -> run(nested(600))).satisfies(e -> {
      Status s = Status.fromThrowable(e);
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("cannot be decoded");
    });
    for (byte[] garbage : new byte[][] {{(byte) 0xff, (byte) 0xff, (byte) 0xff}, {0x0a, 0x7f, 0x01}}) {
      assertThatThrownBy(() -> ClientCalls.blockingServerStreamingCall(withPrincipal(), RawCalls.EXECUTE_PLAN,
          CallOptions.DEFAULT, garbage).forEachRemaining(r -> { }))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
  }

  @Test
  void errorMessagesAreBoundedWhateverTheInputEchoed() {
    String name = "f".repeat(512 << 10);
    BatonException function = refused(() -> mallory.range(0, 1).select(call(name, col("id"))).collect(),
        Status.Code.INVALID_ARGUMENT, "unknown function 'fffff");
    assertThat(function.getMessage().length()).isLessThan(1000);
    BatonException column = refused(() -> mallory.sql("SELECT " + "c".repeat(512 << 10) + " FROM range(1)").collect(),
        Status.Code.INVALID_ARGUMENT, "more bytes)");
    assertThat(column.getMessage().length()).isLessThan(2100);
  }

  @Test
  void reattachPastTheEndIsOutOfRangeNotAnEmptyStream() {
    var stub = SessionServiceGrpc.newBlockingStub(withPrincipal());
    List<ExecutePlanResponse> all = drain(stub.executePlan(request("past-end", plan(Relation.newBuilder()
        .setRange(Range.newBuilder().setEnd(10)).build()))));
    long last = all.get(all.size() - 1).getIndex();
    assertThat(all.get(all.size() - 1).hasComplete()).isTrue();
    assertThatThrownBy(() -> drain(stub.reattach(ReattachRequest.newBuilder().setSessionId(mallory.id())
        .setOperationId("past-end").setAfterIndex(last + 5).build())))
        .satisfies(e -> {
          Status s = Status.fromThrowable(e);
          assertThat(s.getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(s.getDescription()).contains("ended at index " + last);
        });
  }

  @Test
  void negativeZeroStaysNegative() {
    Row row = mallory.range(0, 1).select(lit(-0.0).as("z")).collect().get(0);
    assertThat(Double.doubleToRawLongBits(row.getDouble("z"))).isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @Test
  void operationsBeyondTheDriversLimitAreResourceExhaustedNotAThreadEach() throws Exception {
    // Three sessions each start a stream nobody reads: their producers wait for the reader and
    // hold the driver's three operation threads. A fourth operation is refused, and runs once one
    // of them is interrupted.
    List<Session> holders = new ArrayList<>();
    List<Iterator<ExecutePlanResponse>> held = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Session h = Baton.builder().target(driver.target()).principal("holder").connect();
        holders.add(h);
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("baton-principal", Metadata.ASCII_STRING_MARSHALLER), "holder");
        Iterator<ExecutePlanResponse> it = SessionServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
            .executePlan(ExecutePlanRequest.newBuilder().setSessionId(h.id()).setOperationId("hold")
                .setPlan(plan(Relation.newBuilder().setRange(Range.newBuilder().setEnd(200_000_000L)).build())).build());
        it.next();
        held.add(it);
      }
      refused(() -> mallory.range(0, 5).count(), Status.Code.RESOURCE_EXHAUSTED, "maximum of operations");
      holders.get(0).interruptAll();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (true) {
        try {
          assertThat(mallory.range(0, 5).count()).isEqualTo(5);
          break;
        } catch (BatonException e) {
          if (e.code() != Status.Code.RESOURCE_EXHAUSTED || System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(50);
        }
      }
    } finally {
      for (Session h : holders) {
        h.close();
      }
    }
  }


  private static io.grpc.Channel withPrincipal() {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("baton-principal", Metadata.ASCII_STRING_MARSHALLER), "mallory");
    h.put(Metadata.Key.of("baton-session-id", Metadata.ASCII_STRING_MARSHALLER), mallory.id());
    return io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h));
  }

  private static Plan plan(Relation root) {
    return Plan.newBuilder().setRoot(root).build();
  }

  private static Plan nested(int depth) {
    Relation r = Relation.newBuilder().setRange(Range.newBuilder().setEnd(3)).build();
    for (int i = 0; i < depth; i++) {
      r = Relation.newBuilder().setFilter(Filter.newBuilder().setInput(r)
          .setCondition(lit(true).expression())).build();
    }
    return plan(r);
  }

  private static ExecutePlanRequest request(String operationId, Plan plan) {
    return ExecutePlanRequest.newBuilder().setSessionId(mallory.id()).setOperationId(operationId).setPlan(plan).build();
  }

  private static List<ExecutePlanResponse> run(Plan plan) {
    return drain(SessionServiceGrpc.newBlockingStub(withPrincipal())
        .executePlan(request("deep-" + System.nanoTime(), plan)));
  }

  private static List<ExecutePlanResponse> drain(Iterator<ExecutePlanResponse> it) {
    List<ExecutePlanResponse> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}

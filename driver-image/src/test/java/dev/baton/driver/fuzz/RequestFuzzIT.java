package dev.baton.driver.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.client.Baton;
import dev.baton.client.Session;
import dev.baton.driver.testing.RawCalls;
import dev.baton.driver.testing.TestDriver;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.Filter;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Range;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.Sql;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Sends a real driver ExecutePlan requests made of mangled bytes — valid requests with bytes
 * flipped, cut or spliced, and noise — over gRPC. Every answer carries a documented code (never
 * UNKNOWN or INTERNAL), and the driver keeps serving its sessions.
 */
class RequestFuzzIT {
  private static final Set<Status.Code> DOCUMENTED = EnumSet.of(Status.Code.OK, Status.Code.INVALID_ARGUMENT,
      Status.Code.NOT_FOUND, Status.Code.PERMISSION_DENIED, Status.Code.ALREADY_EXISTS,
      Status.Code.FAILED_PRECONDITION, Status.Code.RESOURCE_EXHAUSTED, Status.Code.OUT_OF_RANGE,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
  private static TestDriver driver;
  private static Session session;
  private static ManagedChannel channel;
  private static io.grpc.Channel asOwner;
  private static final AtomicInteger cases = new AtomicInteger();
  private static final Map<Status.Code, AtomicInteger> codes = new java.util.concurrent.ConcurrentHashMap<>();


  @BeforeContainer
  static void start() throws Exception {
    driver = TestDriver.start(Map.of("BATON_MAX_REQUEST_BYTES", "64KiB"));
    session = Baton.builder().target(driver.target()).principal("fuzz").connect();
    channel = NettyChannelBuilder.forTarget(driver.target()).usePlaintext().build();
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("baton-principal", Metadata.ASCII_STRING_MARSHALLER), "fuzz");
    asOwner = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h));
  }

  @AfterContainer
  static void stop() throws Exception {
    System.out.printf("request fuzz: %d mangled ExecutePlan requests, codes %s%n", cases.get(), codes);
    channel.shutdownNow();
    session.close();
    driver.close();
  }

  @Property(tries = 300, seed = "20261122")
  void everyMangledRequestGetsADocumentedCodeAndTheDriverLives(@ForAll("requests") byte[] request) {
    cases.incrementAndGet();
    Status status = Status.OK;
    try {
      ClientCalls.blockingServerStreamingCall(asOwner, RawCalls.EXECUTE_PLAN, CallOptions.DEFAULT.withDeadlineAfter(20,
          TimeUnit.SECONDS), request).forEachRemaining(r -> { });
    } catch (RuntimeException e) {
      status = Status.fromThrowable(e);
    }
    codes.computeIfAbsent(status.getCode(), c -> new AtomicInteger()).incrementAndGet();
    assertThat(status.getCode()).as(String.valueOf(status)).isIn(DOCUMENTED);
    assertThat(session.range(0, 3).count()).as("the driver still serves").isEqualTo(3);
  }

  @Provide
  Arbitrary<byte[]> requests() {
    List<byte[]> valid = List.of(request(Relation.newBuilder().setRange(Range.newBuilder().setEnd(5)).build()),
        request(Relation.newBuilder().setFilter(Filter.newBuilder().setInput(Relation.newBuilder()
            .setSql(Sql.newBuilder().setQuery("SELECT 1 AS id")))).build()));
    Arbitrary<byte[]> base = Arbitraries.of(valid);
    Arbitrary<byte[]> flipped = Arbitraries.entries(base, Arbitraries.integers().between(0, 10_000))
        .map(e -> {
          byte[] b = e.getKey().clone();
          int i = e.getValue() % b.length;
          b[i] = (byte) (b[i] ^ (1 + e.getValue() % 255));
          return b;
        });
    Arbitrary<byte[]> cut = Arbitraries.entries(base, Arbitraries.integers().between(0, 10_000))
        .map(e -> java.util.Arrays.copyOf(e.getKey(), e.getValue() % e.getKey().length));
    Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    Arbitrary<byte[]> oversized = Arbitraries.just(new byte[100 << 10]);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, flipped), net.jqwik.api.Tuple.of(2, cut),
        net.jqwik.api.Tuple.of(3, noise), net.jqwik.api.Tuple.of(1, oversized));
  }

  private static byte[] request(Relation root) {
    return ExecutePlanRequest.newBuilder().setSessionId(session.id()).setOperationId("fuzz-op")
        .setPlan(Plan.newBuilder().setRoot(root)).build().toByteArray();
  }
}

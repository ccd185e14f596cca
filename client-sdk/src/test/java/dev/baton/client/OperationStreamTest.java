package dev.baton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.proto.v1.Completion;
import dev.baton.proto.v1.ExecutePlanRequest;
import dev.baton.proto.v1.ExecutePlanResponse;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Progress;
import dev.baton.proto.v1.ReattachRequest;
import dev.baton.proto.v1.ReleaseRequest;
import dev.baton.proto.v1.ReleaseResponse;
import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SDK's resume logic against a scripted in-process server: breaks, duplicates, gaps and
 * final errors. (Against the real driver and a real cut TCP connection: driver-image's ReattachIT.)
 */
class OperationStreamTest {
  private Server server;
  private ManagedChannel channel;
  private final List<Long> reattachedAfter = new CopyOnWriteArrayList<>();
  private final List<ReleaseRequest> releases = new CopyOnWriteArrayList<>();

  private static final int TOTAL = 20; // responses 0..19 are batches/progress, 20 is the completion

  private static ExecutePlanResponse response(long i) {
    var b = ExecutePlanResponse.newBuilder().setIndex(i);
    return i == TOTAL ? b.setComplete(Completion.newBuilder()).build()
        : b.setProgress(Progress.newBuilder().setRowsProduced(i)).build();
  }

  /** Serves [from, until) then ends the stream the way {@code ending} says. */
  private void serve(StreamObserver<ExecutePlanResponse> obs, long from, long until, Status ending) {
    for (long i = from; i < until && i <= TOTAL; i++) {
      obs.onNext(response(i));
    }
    if (ending == null) {
      obs.onCompleted();
    } else {
      obs.onError(ending.asRuntimeException());
    }
  }

  private OperationStream stream(SessionServiceGrpc.SessionServiceImplBase impl, RetryPolicy policy) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(impl).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return new OperationStream(SessionServiceGrpc.newBlockingStub(channel), SessionServiceGrpc.newStub(channel),
        policy, "s", Plan.getDefaultInstance(), 0);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static RetryPolicy fast() {
    return new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(5), 2.0, Duration.ofSeconds(20));
  }

  private static List<Long> readAll(OperationStream s) {
    List<Long> seen = new java.util.ArrayList<>();
    for (ExecutePlanResponse r = s.next(); r != null; r = s.next()) {
      seen.add(r.getIndex());
    }
    return seen;
  }

  private abstract class Scripted extends SessionServiceGrpc.SessionServiceImplBase {
    @Override
    public void release(ReleaseRequest req, StreamObserver<ReleaseResponse> obs) {
      releases.add(req);
      obs.onNext(ReleaseResponse.getDefaultInstance());
      obs.onCompleted();
    }
  }

  @Test
  void breaksAndEarlyEndsAreResumedAfterTheLastIndex() throws Exception {
    OperationStream s = stream(new Scripted() {
      @Override
      public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
        serve(obs, 0, 5, Status.UNAVAILABLE.withDescription("connection reset"));
      }

      @Override
      public void reattach(ReattachRequest req, StreamObserver<ExecutePlanResponse> obs) {
        reattachedAfter.add(req.getAfterIndex());
        long from = req.getAfterIndex() + 1;
        if (reattachedAfter.size() == 1) {
          serve(obs, from - 2, from + 5, null); // resends two, then ends early with no error
        } else {
          serve(obs, from, TOTAL + 1, null);
        }
      }
    }, fast());
    assertThat(readAll(s)).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(0, TOTAL).boxed().toList());
    assertThat(reattachedAfter).containsExactly(4L, 9L);
    assertThat(s.reattaches()).isEqualTo(2);
    assertThat(releases).anyMatch(ReleaseRequest::getAll);
  }

  @Test
  void aGapIsDataLossNotSilence() throws Exception {
    OperationStream s = stream(new Scripted() {
      @Override
      public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
        obs.onNext(response(0));
        obs.onNext(response(2));
        obs.onCompleted();
      }
    }, fast());
    assertThat(s.next().getIndex()).isZero();
    assertThatThrownBy(s::next).isInstanceOfSatisfying(BatonException.class,
        e -> assertThat(e.code()).isEqualTo(Status.Code.DATA_LOSS));
  }

  @Test
  void finalErrorsAreNotRetriedAndReleaseTheOperation() throws Exception {
    int[] calls = new int[1];
    OperationStream s = stream(new Scripted() {
      @Override
      public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
        calls[0]++;
        obs.onError(Status.INVALID_ARGUMENT.withDescription("invalid plan: root: x").asRuntimeException());
      }
    }, fast());
    assertThatThrownBy(s::next).isInstanceOfSatisfying(BatonException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getMessage()).contains("invalid plan: root: x");
    });
    assertThat(calls[0]).isEqualTo(1);
    assertThat(releases).anyMatch(ReleaseRequest::getAll);
  }

  @Test
  void givesUpAfterTheDeadline() throws Exception {
    OperationStream s = stream(new Scripted() {
      @Override
      public void executePlan(ExecutePlanRequest req, StreamObserver<ExecutePlanResponse> obs) {
        obs.onError(Status.UNAVAILABLE.withDescription("no driver").asRuntimeException());
      }
    }, new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(2), 2.0, Duration.ofMillis(100)));
    assertThatThrownBy(s::next).isInstanceOfSatisfying(BatonException.class, e -> {
      assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getMessage()).contains("attempt(s)").contains("no driver");
    });
  }
}

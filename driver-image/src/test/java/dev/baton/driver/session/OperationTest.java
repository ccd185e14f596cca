package dev.baton.driver.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.ArrowBatch;
import dev.baton.proto.v1.Completion;
import dev.baton.proto.v1.ExecutePlanResponse;
import io.grpc.Status;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OperationTest {

  private static ExecutePlanResponse.Builder batch(int bytes) {
    return ExecutePlanResponse.newBuilder().setBatch(ArrowBatch.newBuilder()
        .setData(ByteString.copyFrom(new byte[bytes])).setRowCount(1));
  }

  @Test
  void responsesAreIndexedAndReleased() throws Exception {
    ResultBudget budget = new ResultBudget(1 << 20);
    Operation op = new Operation("op", "fp", budget);
    for (int i = 0; i < 5; i++) {
      op.append(batch(100));
    }
    op.append(ExecutePlanResponse.newBuilder().setComplete(Completion.newBuilder().setRowCount(5)));
    op.succeed();
    assertThat(((Operation.Ready) op.read(0)).response().getIndex()).isZero();
    assertThat(((Operation.Ready) op.read(5)).response().hasComplete()).isTrue();
    assertThat(op.read(6)).isInstanceOf(Operation.End.class);
    long before = budget.used();
    op.release(2);
    assertThat(budget.used()).isLessThan(before);
    assertThat(op.read(2)).isInstanceOf(Operation.Released.class);
    assertThat(((Operation.Released) op.read(1)).firstAvailable()).isEqualTo(3);
    assertThat(((Operation.Ready) op.read(3)).response().getIndex()).isEqualTo(3);
    op.releaseAll(Operation.StopReason.RELEASED);
    assertThat(budget.used()).isZero();
  }

  @Test
  void producerWaitsForReleaseInsteadOfDropping() throws Exception {
    ResultBudget budget = new ResultBudget(1000);
    Operation op = new Operation("op", "fp", budget);
    op.append(batch(600)); // fits
    CountDownLatch appended = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread producer = new Thread(() -> {
      try {
        op.append(batch(600)); // over the budget: must wait
        appended.countDown();
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    producer.start();
    // The producer parks in the budget until the client releases index 0.
    while (producer.getState() != Thread.State.WAITING && producer.isAlive()) {
      Thread.onSpinWait();
    }
    assertThat(appended.getCount()).isEqualTo(1);
    assertThat(op.read(1)).isInstanceOf(Operation.Pending.class);
    op.release(0);
    assertThat(appended.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    assertThat(((Operation.Ready) op.read(1)).response().getIndex()).isEqualTo(1);
  }

  @Test
  void aBatchLargerThanTheBudgetStillPassesWhenNothingIsBuffered() throws Exception {
    ResultBudget budget = new ResultBudget(10);
    Operation op = new Operation("op", "fp", budget);
    op.append(batch(1000));
    assertThat(op.read(0)).isInstanceOf(Operation.Ready.class);
  }

  @Test
  void failureIsReportedAfterBufferedResponses() throws Exception {
    Operation op = new Operation("op", "fp", new ResultBudget(1 << 20));
    op.append(batch(10));
    op.fail(Status.RESOURCE_EXHAUSTED.withDescription("Out of Memory Error"));
    assertThat(op.read(0)).isInstanceOf(Operation.Ready.class);
    assertThat(((Operation.Failed) op.read(1)).status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(op.isSucceeded()).isFalse();
  }

  @Test
  void stopRunsTheCancellerOnceAndKeepsTheFirstReason() {
    Operation op = new Operation("op", "fp", new ResultBudget(1 << 20));
    int[] calls = new int[1];
    op.onStop(() -> calls[0]++);
    op.stop(Operation.StopReason.TIMED_OUT);
    op.stop(Operation.StopReason.INTERRUPTED);
    assertThat(op.stopReason()).isEqualTo(Operation.StopReason.TIMED_OUT);
    assertThat(calls[0]).isEqualTo(2); // each stop asks the producer again; the reason stays
  }

  @Test
  void clockLeavesOutTimeSpentWaitingForTheClient() throws Exception {
    OperationClock clock = new OperationClock();
    clock.pause();
    Thread.sleep(200);
    clock.resume();
    clock.stop();
    assertThat(clock.activeNanos()).isLessThan(TimeUnit.MILLISECONDS.toNanos(200));
  }
}

package dev.baton.spark;

import dev.baton.proto.v1.SparkReplayStep;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkproject.connect.grpc.ManagedChannel;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.StatusRuntimeException;
import org.sparkproject.connect.grpc.netty.NettyChannelBuilder;
import org.sparkproject.connect.grpc.stub.MetadataUtils;

/**
 * Rebuilds a session on this Spark Connect server by sending its recorded steps, in order, to the
 * server's own endpoint, as the session's user, with its session id. The calls pass through
 * {@link BatonConnectInterceptor} like a client's, so the new copy records its own journal.
 */
final class SessionReplayer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionReplayer.class);
  private static final long STEP_DEADLINE_SECONDS = 300;

  private final IntSupplier connectPort;
  private final String internalToken;
  private ManagedChannel channel;

  SessionReplayer(IntSupplier connectPort, String internalToken) {
    this.connectPort = connectPort;
    this.internalToken = internalToken;
  }

  private synchronized SparkConnectServiceGrpc.SparkConnectServiceBlockingStub stub() {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", connectPort.getAsInt()).usePlaintext()
          .maxInboundMessageSize(128 << 20).build();
    }
    Metadata headers = new Metadata();
    headers.put(BatonConnectInterceptor.INTERNAL_CALL, internalToken);
    return SparkConnectServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(STEP_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Opens the session here and runs its steps. A step that fails is reported on the session
   * ({@link ReplayJournal#notMovable}) and the next one runs: the rest of the state still moves.
   * Fails only when the session cannot be opened here at all.
   */
  void replay(TrackedSession session, Iterable<SparkReplayStep> steps) {
    UserContext user = UserContext.newBuilder().setUserId(session.userId()).build();
    // The first call opens the session in Spark (with this server's own server-side id).
    stub().config(ConfigRequest.newBuilder().setSessionId(session.sessionId()).setUserContext(user)
        .setClientType("baton-replay").setOperation(ConfigRequest.Operation.newBuilder()
            .setGetAll(ConfigRequest.GetAll.getDefaultInstance())).build());
    int replayed = 0;
    int failed = 0;
    for (SparkReplayStep step : steps) {
      try {
        switch (step.getRequestCase()) {
          case CONFIG_OPERATION -> stub().config(ConfigRequest.newBuilder().setSessionId(session.sessionId())
              .setUserContext(user).setClientType("baton-replay")
              .setOperation(ConfigRequest.Operation.parseFrom(step.getConfigOperation().toByteArray())).build());
          case COMMAND_PLAN -> {
            Iterator<ExecutePlanResponse> responses = stub().executePlan(ExecutePlanRequest.newBuilder()
                .setSessionId(session.sessionId()).setUserContext(user).setClientType("baton-replay")
                .setOperationId(UUID.randomUUID().toString())
                .setPlan(Plan.parseFrom(step.getCommandPlan().toByteArray())).build());
            responses.forEachRemaining(r -> { });
          }
          default -> throw new IllegalArgumentException("a step with no request");
        }
        replayed++;
      } catch (StatusRuntimeException | org.sparkproject.connect.protobuf.InvalidProtocolBufferException
          | IllegalArgumentException e) {
        failed++;
        String why = e instanceof StatusRuntimeException sre ? sre.getStatus().getCode() + ": "
            + sre.getStatus().getDescription() : e.getMessage();
        LOG.warn("session {}: could not replay '{}': {}", session.sessionId(), step.getSummary(), why);
        session.journal().notMovable("could not rebuild '" + step.getSummary() + "' here: " + why);
      }
    }
    LOG.info("session {} rebuilt here: {} steps replayed, {} failed", session.sessionId(), replayed, failed);
  }

  /** Interrupts every operation of the session here (a move that may wait no longer). */
  void interruptAll(TrackedSession session) {
    stub().interrupt(org.apache.spark.connect.proto.InterruptRequest.newBuilder().setSessionId(session.sessionId())
        .setUserContext(UserContext.newBuilder().setUserId(session.userId()))
        .setInterruptType(org.apache.spark.connect.proto.InterruptRequest.InterruptType.INTERRUPT_TYPE_ALL).build());
  }

  /** Closes the session's Spark copy here (it moved away and its last operation finished). */
  void close(TrackedSession session) {
    try {
      stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(session.sessionId())
          .setUserContext(UserContext.newBuilder().setUserId(session.userId())).build());
    } catch (StatusRuntimeException e) {
      LOG.warn("session {}: could not close its copy here: {}", session.sessionId(), e.getStatus());
    }
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}

package dev.baton.operator.session;

import dev.baton.operator.pool.DriverProber;
import dev.baton.proto.v1.SessionStateUpdate;
import dev.baton.proto.v1.WatchSessionStatesRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WatchSessionStates stream per Spark driver the operator has sessions on: each update goes
 * into {@link RecordedStates} as it arrives. A stream that ends (its driver stopped, a network
 * fault) is opened again at the next look at one of the driver's sessions; a driver that does not
 * stream (UNIMPLEMENTED: an older plugin) is asked instead.
 */
final class StateWatches implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateWatches.class);

  private final DriverProber prober;
  private final RecordedStates sink;
  /** By driver address and name: the context of its open stream. */
  private final Map<String, Context.CancellableContext> live = new ConcurrentHashMap<>();
  private final Set<String> unsupported = ConcurrentHashMap.newKeySet();

  StateWatches(DriverProber prober, RecordedStates sink) {
    this.prober = prober;
    this.sink = sink;
  }

  /**
   * Makes sure driver {@code driver} of pool {@code pool} streams its sessions' states. True when
   * its stream was open already (its updates arrive by themselves), false when it was just opened
   * or the driver does not stream.
   */
  boolean ensure(String namespace, String pool, String driver, String ip, String token) {
    String id = ip + "/" + driver;
    if (unsupported.contains(id)) {
      return false;
    }
    boolean[] opened = {false};
    live.computeIfAbsent(id, k -> {
      opened[0] = true;
      Context.CancellableContext context = Context.current().withCancellation();
      context.run(() -> prober.asyncStub(ip, token).watchSessionStates(WatchSessionStatesRequest.getDefaultInstance(),
          new StreamObserver<SessionStateUpdate>() {
            @Override
            public void onNext(SessionStateUpdate u) {
              sink.record(RecordedStates.key(namespace, pool, u.getSnapshot().getPrincipal(), u.getSessionId()),
                  driver, u.getStateVersion(), u.getSnapshot(), true);
            }

            @Override
            public void onError(Throwable t) {
              ended(id, context);
              Status status = Status.fromThrowable(t);
              if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                unsupported.add(id);
              } else if (status.getCode() != Status.Code.CANCELLED) {
                LOG.debug("state stream of driver {} ended: {}", driver, status);
              }
            }

            @Override
            public void onCompleted() {
              ended(id, context);
            }
          }));
      return context;
    });
    Context.CancellableContext context = live.get(id);
    if (context != null && context.isCancelled()) {
      live.remove(id, context); // it ended before it was listed
      return false;
    }
    if (opened[0]) {
      LOG.debug("streaming session states of driver {} ({})", driver, ip);
    }
    return !opened[0] && context != null;
  }

  private void ended(String id, Context.CancellableContext context) {
    context.cancel(null);
    live.remove(id, context);
  }

  int live() {
    return live.size();
  }

  @Override
  public void close() {
    live.values().forEach(c -> c.cancel(null));
    live.clear();
  }
}

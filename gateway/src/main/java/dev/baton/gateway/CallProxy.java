package dev.baton.gateway;

import dev.baton.proto.v1.MoveStatus;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins a client's call to the gateway with the gateway's call to a driver, message by message,
 * asking each side for the next message only when the other side can take it. A slow client
 * therefore slows the driver's stream; nothing piles up in the gateway.
 *
 * <p>A call the driver did not run because its session is moving or has moved (UNAVAILABLE with
 * SESSION_MOVING or SESSION_MOVED), or answered NOT_FOUND while the session is placed elsewhere,
 * is sent again, to wherever the session is now: the client sees latency, not an error. That is
 * safe because such an answer means the call was not executed. The request messages are kept
 * until a response arrives (the driver that runs the call answers), and only calls of at most
 * one request message (unary and server-streaming) are sent again.
 */
final class CallProxy<Q, R> {
  /** Where to send a call next: decided off the transport threads, may wait for the move to end. */
  interface Resender<Q, R> {
    /**
     * Called when attempt {@code failed} ended with a status that allows sending again. Starts
     * the next attempt with {@link CallProxy#attempt} or gives up with {@link CallProxy#giveUp}.
     */
    void resend(CallProxy<Q, R> proxy, String failedEndpoint, Status status, Metadata trailers);
  }

  /** Opens a call to a driver. */
  interface Upstream<Q, R> {
    ClientCall<Q, R> newCall(String endpoint);
  }

  /**
   * Bytes of request messages a gateway keeps for re-sending, bounded across all its calls: a
   * message that does not fit is forwarded but not kept, and its call is not sent again.
   */
  static final class Retained {
    private final java.util.concurrent.atomic.AtomicLong free;

    Retained(long capacity) {
      this.free = new java.util.concurrent.atomic.AtomicLong(capacity);
    }

    boolean take(long bytes) {
      long now;
      do {
        now = free.get();
        if (now < bytes) {
          return false;
        }
      } while (!free.compareAndSet(now, now - bytes));
      return true;
    }

    void give(long bytes) {
      free.addAndGet(bytes);
    }
  }

  private final ServerCall<Q, R> serverCall;
  private final Metadata headers;
  private final Upstream<Q, R> upstream;
  private final Resender<Q, R> resender;
  private final Retained retained;
  private final java.util.function.ToLongFunction<Q> sizeOf;
  final ServerCall.Listener<Q> fromClient = new FromClient();

  private final Object lock = new Object();
  /** Request messages, kept until the call is committed (a response arrived). */
  private final List<Q> requests = new ArrayList<>();
  private int requestCount;
  /** Bytes of {@link #requests} taken from {@link #retained}. */
  private long retainedBytes;
  /** Every request message is kept: the call may be sent again. */
  private boolean replayable = true;
  private boolean halfClosed;
  private boolean cancelled;
  /** A response reached the client: from here on the call is never sent again. */
  private boolean committed;
  private boolean headersSent;
  private boolean wantRequest;
  private Attempt current;

  CallProxy(ServerCall<Q, R> serverCall, Metadata headers, Upstream<Q, R> upstream, Resender<Q, R> resender,
      Retained retained, java.util.function.ToLongFunction<Q> sizeOf) {
    this.serverCall = serverCall;
    this.headers = headers;
    this.upstream = upstream;
    this.resender = resender;
    this.retained = retained;
    this.sizeOf = sizeOf;
  }

  /** Drops the kept messages (the call committed or ended); the caller holds {@link #lock}. */
  private void forgetRequests() {
    requests.clear();
    retained.give(retainedBytes);
    retainedBytes = 0;
  }

  /**
   * Takes a request message the gateway read before the call was routed (and whether the client
   * has already half-closed), as if it had come through {@link #fromClient}; before the first
   * {@link #attempt}.
   */
  void preload(Q message, boolean clientHalfClosed) {
    synchronized (lock) {
      requestCount++;
      long size = sizeOf.applyAsLong(message);
      if (retained.take(size)) {
        requests.add(message);
        retainedBytes += size;
      } else {
        // Too large to keep: it is sent once and the call is never sent again.
        replayable = false;
        pendingUnretained = message;
      }
      halfClosed = clientHalfClosed;
    }
  }

  /** A preloaded message that could not be kept: sent by the first attempt only. */
  private Q pendingUnretained;

  /**
   * Sends the call (again) to {@code endpoint}, with every request message it has had so far.
   * Started and replayed under the lock, so no client event reaches a call not yet started.
   */
  void attempt(String endpoint) {
    boolean first;
    synchronized (lock) {
      if (cancelled) {
        return;
      }
      Attempt a = new Attempt(endpoint, upstream.newCall(endpoint));
      Metadata h = new Metadata();
      h.merge(headers);
      a.call.start(a, h);
      for (Q q : requests) {
        a.call.sendMessage(q);
      }
      if (pendingUnretained != null) {
        a.call.sendMessage(pendingUnretained);
        pendingUnretained = null;
      }
      if (halfClosed) {
        a.call.halfClose();
      }
      a.call.request(1);
      first = current == null;
      current = a;
    }
    if (first) {
      serverCall.request(1);
    }
  }

  /** Ends the call with the status of its last attempt. */
  void giveUp(Status status, Metadata trailers) {
    synchronized (lock) {
      forgetRequests();
    }
    serverCall.close(status, trailers == null ? new Metadata() : trailers);
  }

  /** Whether a call that ended this way was not run, so it may be sent again. */
  static boolean notRun(Status status, Metadata trailers) {
    return MoveStatus.notRunBecauseMoving(status, trailers);
  }

  /**
   * The status a client sees for an upstream one. A connection to the driver that closed under
   * the call is UNAVAILABLE, as grpc-java reports most such breaks and clients retry: on some
   * paths grpc-java says UNKNOWN "channel closed" instead, and the client, seeing no cause, could
   * not tell that from a driver's own UNKNOWN.
   */
  static Status forClient(Status upstream) {
    if (upstream.getCode() == Status.Code.UNKNOWN
        && upstream.getCause() instanceof java.nio.channels.ClosedChannelException) {
      return Status.UNAVAILABLE.withDescription("the connection to the session's driver closed; retry")
          .withCause(upstream.getCause());
    }
    return upstream;
  }

  private final class FromClient extends ServerCall.Listener<Q> {
    @Override
    public void onMessage(Q message) {
      synchronized (lock) {
        requestCount++;
        if (!committed && replayable) {
          long size = sizeOf.applyAsLong(message);
          if (retained.take(size)) {
            requests.add(message);
            retainedBytes += size;
          } else {
            replayable = false;
            forgetRequests();
          }
        }
        Attempt a = current;
        a.call.sendMessage(message);
        if (a.call.isReady()) {
          serverCall.request(1);
        } else {
          wantRequest = true;
        }
      }
    }

    @Override
    public void onHalfClose() {
      synchronized (lock) {
        halfClosed = true;
        current.call.halfClose();
      }
    }

    @Override
    public void onCancel() {
      synchronized (lock) {
        cancelled = true;
        forgetRequests();
        if (current != null) {
          current.call.cancel("client cancelled", null);
        }
      }
    }

    @Override
    public void onReady() {
      Attempt a;
      synchronized (lock) {
        a = current;
      }
      if (a != null) {
        a.clientReady();
      }
    }
  }

  /** One call to one driver. */
  private final class Attempt extends ClientCall.Listener<R> {
    final String endpoint;
    final ClientCall<Q, R> call;
    private Metadata driverHeaders;
    private boolean wantResponse;

    Attempt(String endpoint, ClientCall<Q, R> call) {
      this.endpoint = endpoint;
      this.call = call;
    }

    @Override
    public void onHeaders(Metadata h) {
      // Held until a response or the end: an attempt answered "moving" sends no headers on.
      synchronized (lock) {
        driverHeaders = h;
      }
    }

    private void sendHeadersOnce() {
      Metadata h;
      synchronized (lock) {
        if (headersSent) {
          return;
        }
        headersSent = true;
        h = driverHeaders == null ? new Metadata() : driverHeaders;
      }
      serverCall.sendHeaders(h);
    }

    @Override
    public void onMessage(R message) {
      synchronized (lock) {
        committed = true;
        forgetRequests();
      }
      sendHeadersOnce();
      serverCall.sendMessage(message);
      synchronized (this) {
        if (serverCall.isReady()) {
          call.request(1);
        } else {
          wantResponse = true;
        }
      }
    }

    @Override
    public void onClose(Status upstream, Metadata trailers) {
      Status status = forClient(upstream);
      boolean again;
      synchronized (lock) {
        again = !committed && !cancelled && replayable && requestCount <= 1 && current == this;
        if (!again) {
          forgetRequests();
        }
      }
      if (again && (notRun(status, trailers) || MoveStatus.sessionNotFound(status, trailers))) {
        resender.resend(CallProxy.this, endpoint, status, trailers);
        return;
      }
      synchronized (lock) {
        if (!headersSent && driverHeaders != null) {
          headersSent = true;
          serverCall.sendHeaders(driverHeaders);
        }
      }
      serverCall.close(status, trailers);
    }

    @Override
    public void onReady() {
      synchronized (lock) {
        if (wantRequest && current == this) {
          wantRequest = false;
          serverCall.request(1);
        }
      }
    }

    synchronized void clientReady() {
      if (wantResponse) {
        wantResponse = false;
        call.request(1);
      }
    }
  }
}

package dev.baton.gateway;

import io.grpc.ServerCall;
import java.util.function.Consumer;

/**
 * Reads a call's first request message before the call is routed (a Spark Connect call names its
 * session in the message, not in a header), then hands the call to its proxy with that message
 * and anything else that came meanwhile (the client's half-close, a cancellation).
 */
final class FirstMessage extends ServerCall.Listener<byte[]> {
  private final Consumer<byte[]> onFirst;
  private final Runnable onNone;
  private byte[] first;
  private boolean halfClosed;
  private boolean cancelled;
  private ServerCall.Listener<byte[]> next;

  /**
   * @param onFirst called (once, on the transport thread: hand work off) with the first message
   * @param onNone called when the client half-closes without sending a message
   */
  FirstMessage(Consumer<byte[]> onFirst, Runnable onNone) {
    this.onFirst = onFirst;
    this.onNone = onNone;
  }

  @Override
  public void onMessage(byte[] message) {
    ServerCall.Listener<byte[]> n;
    synchronized (this) {
      n = next;
      if (n == null) {
        first = message;
      }
    }
    if (n != null) {
      n.onMessage(message);
    } else {
      onFirst.accept(message);
    }
  }

  @Override
  public void onHalfClose() {
    ServerCall.Listener<byte[]> n;
    boolean none;
    synchronized (this) {
      n = next;
      halfClosed = true;
      none = n == null && first == null;
    }
    if (n != null) {
      n.onHalfClose();
    } else if (none) {
      onNone.run();
    }
  }

  @Override
  public void onCancel() {
    ServerCall.Listener<byte[]> n;
    synchronized (this) {
      n = next;
      cancelled = true;
    }
    if (n != null) {
      n.onCancel();
    }
  }

  @Override
  public void onReady() {
    ServerCall.Listener<byte[]> n;
    synchronized (this) {
      n = next;
    }
    if (n != null) {
      n.onReady();
    }
  }

  /**
   * Starts the proxied call with the first message (as {@code firstToSend}, possibly rewritten)
   * and passes every later event to the proxy. Under this listener's lock, so no event reaches a
   * proxy whose call has not started.
   */
  synchronized void handOff(CallProxy<byte[], byte[]> proxy, byte[] firstToSend, String endpoint) {
    if (cancelled) {
      // The client left while the call was being routed: nothing of it may reach a driver.
      proxy.giveUp(io.grpc.Status.CANCELLED.withDescription("the client cancelled the call"), new io.grpc.Metadata());
      return;
    }
    proxy.preload(firstToSend, halfClosed);
    proxy.attempt(endpoint);
    next = proxy.fromClient;
    if (cancelled) {
      next.onCancel();
    }
  }

  synchronized boolean cancelled() {
    return cancelled;
  }
}

package dev.baton.gateway;

import io.grpc.ServerCall;

/**
 * A call's listener while its route is being decided. No message arrives before the proxy asks
 * for one, so only a half-close (a client that sends no message) or a cancellation can come
 * early; each is passed on once the listener is attached.
 */
final class DeferredListener<Q> extends ServerCall.Listener<Q> {
  private final GatewayMetrics metrics;
  private ServerCall.Listener<Q> delegate;
  private boolean cancelled;
  private boolean halfClosed;

  DeferredListener(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  synchronized void attach(ServerCall.Listener<Q> listener) {
    delegate = listener;
    if (halfClosed) {
      listener.onHalfClose();
    }
    if (cancelled) {
      listener.onCancel();
    }
  }

  private synchronized ServerCall.Listener<Q> delegate() {
    return delegate;
  }

  @Override
  public void onMessage(Q message) {
    if (message instanceof byte[] bytes) {
      metrics.requestBytes(bytes.length);
    }
    delegate().onMessage(message);
  }

  @Override
  public void onHalfClose() {
    ServerCall.Listener<Q> d;
    synchronized (this) {
      d = delegate;
      if (d == null) {
        halfClosed = true;
        return;
      }
    }
    d.onHalfClose();
  }

  @Override
  public synchronized void onCancel() {
    if (delegate == null) {
      cancelled = true;
    } else {
      delegate.onCancel();
    }
  }

  @Override
  public void onComplete() {
    ServerCall.Listener<Q> d = delegate();
    if (d != null) {
      d.onComplete();
    }
  }

  @Override
  public void onReady() {
    ServerCall.Listener<Q> d = delegate();
    if (d != null) {
      d.onReady();
    }
  }
}

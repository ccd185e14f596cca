package dev.baton.gateway;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * Joins a client's call to the gateway with the gateway's call to a driver, message by message,
 * asking each side for the next message only when the other side can take it. A slow client
 * therefore slows the driver's stream; nothing piles up in the gateway.
 */
final class CallProxy<Q, R> {
  final ServerCall.Listener<Q> fromClient;
  final ClientCall.Listener<R> fromDriver;

  CallProxy(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall) {
    RequestForwarder requests = new RequestForwarder(serverCall, clientCall);
    ResponseForwarder responses = new ResponseForwarder(serverCall, clientCall, requests);
    requests.responses = responses;
    this.fromClient = requests;
    this.fromDriver = responses;
  }

  private final class RequestForwarder extends ServerCall.Listener<Q> {
    private final ServerCall<Q, R> serverCall;
    private final ClientCall<Q, R> clientCall;
    private ResponseForwarder responses;
    private boolean wanted;

    RequestForwarder(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall) {
      this.serverCall = serverCall;
      this.clientCall = clientCall;
    }

    @Override
    public void onMessage(Q message) {
      clientCall.sendMessage(message);
      synchronized (this) {
        if (clientCall.isReady()) {
          serverCall.request(1);
        } else {
          wanted = true;
        }
      }
    }

    @Override
    public void onHalfClose() {
      clientCall.halfClose();
    }

    @Override
    public void onCancel() {
      clientCall.cancel("client cancelled", null);
    }

    @Override
    public void onReady() {
      responses.clientReady();
    }

    synchronized void driverReady() {
      if (wanted) {
        wanted = false;
        serverCall.request(1);
      }
    }
  }

  private final class ResponseForwarder extends ClientCall.Listener<R> {
    private final ServerCall<Q, R> serverCall;
    private final ClientCall<Q, R> clientCall;
    private final RequestForwarder requests;
    private boolean wanted;

    ResponseForwarder(ServerCall<Q, R> serverCall, ClientCall<Q, R> clientCall, RequestForwarder requests) {
      this.serverCall = serverCall;
      this.clientCall = clientCall;
      this.requests = requests;
    }

    @Override
    public void onHeaders(Metadata headers) {
      serverCall.sendHeaders(headers);
    }

    @Override
    public void onMessage(R message) {
      serverCall.sendMessage(message);
      synchronized (this) {
        if (serverCall.isReady()) {
          clientCall.request(1);
        } else {
          wanted = true;
        }
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      serverCall.close(status, trailers);
    }

    @Override
    public void onReady() {
      requests.driverReady();
    }

    synchronized void clientReady() {
      if (wanted) {
        wanted = false;
        clientCall.request(1);
      }
    }
  }
}

package dev.baton.spark;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

/**
 * The driver's health on its control port, for the kubelet's probes: SERVING once Spark's Connect
 * server is listening (the plugin starts before it binds), NOT_SERVING until then.
 */
final class ConnectHealth extends HealthGrpc.HealthImplBase {
  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> obs) {
    boolean serving;
    try {
      serving = SparkServer.connectPort() > 0;
    } catch (IllegalStateException e) {
      serving = false;
    }
    obs.onNext(HealthCheckResponse.newBuilder().setStatus(serving ? HealthCheckResponse.ServingStatus.SERVING
        : HealthCheckResponse.ServingStatus.NOT_SERVING).build());
    obs.onCompleted();
  }
}

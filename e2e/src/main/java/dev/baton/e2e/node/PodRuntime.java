package dev.baton.e2e.node;

import java.time.Instant;
import java.util.List;

/** A pod running on the local node: its address and its containers. */
final class PodRuntime {
  final String namespace;
  final String name;
  final String uid;
  final String ip;
  final PodNetwork.Attachment network;
  final Instant startTime;
  final List<ContainerRuntime> containers;
  volatile boolean terminating;

  PodRuntime(String namespace, String name, String uid, PodNetwork.Attachment network, Instant startTime,
      List<ContainerRuntime> containers) {
    this.namespace = namespace;
    this.name = name;
    this.uid = uid;
    this.ip = network.podAddress();
    this.network = network;
    this.startTime = startTime;
    this.containers = containers;
  }
}

package dev.baton.gateway;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.Set;

/**
 * Which gRPC services a pool's gateway forwards. The pool decides (its {@code spec.gateway.services});
 * by default only the session API and health. {@code DriverControl} is never forwarded, whatever
 * the list says: it moves, drains and exports sessions, and only the operator may call it.
 */
public record ServiceAllowList(Set<String> services) {
  public static final String DRIVER_CONTROL = "baton.v1.DriverControl";
  public static final List<String> DEFAULT = List.of("baton.v1.SessionService", "grpc.health.v1.Health");

  public ServiceAllowList {
    services = Set.copyOf(services);
  }

  public static ServiceAllowList defaults() {
    return new ServiceAllowList(Set.copyOf(DEFAULT));
  }

  /** Null when the method may be forwarded; otherwise the status to refuse it with. */
  public Status refusal(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    if (DRIVER_CONTROL.equals(service)) {
      return Status.PERMISSION_DENIED.withDescription(DRIVER_CONTROL + " is reachable by the operator only, "
          + "never through the gateway");
    }
    if (service == null || !services.contains(service)) {
      return Status.UNIMPLEMENTED.withDescription("this gateway does not serve method '"
          + abbreviate(fullMethodName) + "'; it serves " + String.join(", ", services.stream().sorted().toList()));
    }
    return null;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}

package dev.baton.e2e.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each pod of the local node a network of its own: a network namespace joined to the host
 * by a veth pair, with a /30 from a private /16 chosen per node (10.200-249.x.y). Processes of the
 * pod run inside the namespace ({@code ip netns exec}); the host reaches them through the veth.
 *
 * <p>Why not loopback addresses: the API server refuses loopback addresses in EndpointSlices, so
 * pods on 127.0.0.N could never be listed as endpoints. Needs root and iproute2.
 */
final class PodNetwork implements AutoCloseable {
  /** A pod's attachment: its namespace, the host side interface, and the pod's address. */
  record Attachment(String namespace, String hostInterface, String hostAddress, String podAddress) {}

  private static final Set<PodNetwork> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(PodNetwork::close), "pod-network-cleanup"));
  }

  private final String prefix;
  private final int secondOctet;
  private final AtomicInteger next = new AtomicInteger(1);
  private final Set<Attachment> attached = ConcurrentHashMap.newKeySet();

  PodNetwork() {
    SecureRandom random = new SecureRandom();
    String alphabet = "abcdefghjkmnpqrstuvwxyz";
    StringBuilder p = new StringBuilder("bt");
    for (int i = 0; i < 3; i++) {
      p.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    this.prefix = p.toString();
    int octet;
    do {
      octet = 200 + random.nextInt(50);
    } while (taken(octet));
    this.secondOctet = octet;
    check();
    // An address of a pod that is gone is unreachable, as on a cluster network: without this
    // route its packets would follow the host's default route (and meet whatever answers there).
    // Each live pod's /30 is more specific and wins.
    run(List.of("ip", "route", "replace", "unreachable", "10." + secondOctet + ".0.0/16"));
    LIVE.add(this);
  }

  /** Another node of this process uses that /16 already. */
  private static boolean taken(int octet) {
    return LIVE.stream().anyMatch(n -> n.secondOctet == octet);
  }

  private static void check() {
    try {
      run(List.of("ip", "netns", "list"));
      // Pod to pod traffic (gateway to driver) goes through the host.
      Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
    } catch (IOException e) {
      throw new IllegalStateException("the local node routes between pods and needs "
          + "/proc/sys/net/ipv4/ip_forward writable: " + e.getMessage(), e);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("the local node gives pods their own network namespace and needs root and "
          + "iproute2 (`ip netns`): " + e.getMessage(), e);
    }
  }

  Attachment attach() {
    int n = next.getAndIncrement();
    int base = n * 4;
    String net = "10." + secondOctet + "." + (base / 256) + ".";
    int last = base % 256;
    Attachment a = new Attachment(prefix + "-" + n, prefix + n, net + (last + 1), net + (last + 2));
    attached.add(a);
    run(List.of("ip", "netns", "add", a.namespace()));
    run(List.of("ip", "link", "add", a.hostInterface(), "type", "veth", "peer", "name", "eth0", "netns", a.namespace()));
    run(List.of("ip", "addr", "add", a.hostAddress() + "/30", "dev", a.hostInterface()));
    run(List.of("ip", "link", "set", a.hostInterface(), "up"));
    run(List.of("ip", "-n", a.namespace(), "addr", "add", a.podAddress() + "/30", "dev", "eth0"));
    run(List.of("ip", "-n", a.namespace(), "link", "set", "eth0", "up"));
    run(List.of("ip", "-n", a.namespace(), "link", "set", "lo", "up"));
    run(List.of("ip", "-n", a.namespace(), "route", "add", "default", "via", a.hostAddress()));
    return a;
  }

  /** The command, run inside the pod's namespace. */
  static List<String> inside(Attachment a, List<String> command) {
    List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", a.namespace()));
    out.addAll(command);
    return out;
  }

  /** Kills anything left in the namespace and removes it and its veth. */
  void detach(Attachment a) {
    if (!attached.remove(a)) {
      return;
    }
    try {
      String pids = run(List.of("ip", "netns", "pids", a.namespace())).trim();
      for (String pid : pids.split("\\s+")) {
        if (!pid.isEmpty()) {
          ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (RuntimeException ignored) {
      // the namespace may already be gone
    }
    quietly(List.of("ip", "link", "del", a.hostInterface()));
    quietly(List.of("ip", "netns", "del", a.namespace()));
  }

  /** Namespaces this node still has (for leak checks). */
  List<String> namespaces() {
    return attached.stream().map(Attachment::namespace).toList();
  }

  private static void quietly(List<String> cmd) {
    try {
      run(cmd);
    } catch (RuntimeException ignored) {
      // best effort during teardown
    }
  }

  private static String run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
  }

  @Override
  public void close() {
    for (Attachment a : List.copyOf(attached)) {
      detach(a);
    }
    quietly(List.of("ip", "route", "del", "unreachable", "10." + secondOctet + ".0.0/16"));
    LIVE.remove(this);
  }
}

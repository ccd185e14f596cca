package dev.baton.gateway;

import dev.baton.operator.pool.GatewayObjects;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * A pool's address as clients in a cluster see it, for tests on local nodes where no kube-proxy
 * serves the pool's Service: target {@code baton-test-gateway:///<namespace>/<pool>} resolves to
 * the pool's serving gateway pods and follows them as they come and go (a drained node's replica
 * is replaced elsewhere, with a new address), spreading calls round-robin as a Service would.
 * One pod informer per pool, shared by every channel.
 */
final class GatewayEndpoints extends NameResolverProvider implements AutoCloseable {
  static final String SCHEME = "baton-test-gateway";
  private final KubernetesClient client;
  private final Map<String, Pool> pools = new ConcurrentHashMap<>();

  private GatewayEndpoints(KubernetesClient client) {
    this.client = client;
  }

  /** Registers the scheme for this JVM's channels; close to stop following pods. */
  static GatewayEndpoints register(KubernetesClient client) {
    GatewayEndpoints provider = new GatewayEndpoints(client);
    NameResolverRegistry.getDefaultRegistry().register(provider);
    return provider;
  }

  static String target(String namespace, String pool) {
    return SCHEME + ":///" + namespace + "/" + pool;
  }

  @Override
  public void close() {
    NameResolverRegistry.getDefaultRegistry().deregister(this);
    pools.values().forEach(p -> p.informer.close());
    pools.clear();
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4; // below DNS's 5: never the default scheme
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
    if (!SCHEME.equals(uri.getScheme())) {
      return null;
    }
    String[] parts = uri.getPath().substring(1).split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("target " + uri + " is not " + SCHEME + ":///<namespace>/<pool>");
    }
    Pool pool = pools.computeIfAbsent(parts[0] + "/" + parts[1], k -> new Pool(parts[0], parts[1]));
    return new Resolver(pool, args);
  }

  /** The serving gateway pods of one pool and the resolvers that follow them. */
  private final class Pool {
    final SharedIndexInformer<Pod> informer;
    final Set<Resolver> resolvers = new CopyOnWriteArraySet<>();

    Pool(String namespace, String pool) {
      informer = client.pods().inNamespace(namespace).withLabels(GatewayObjects.selector(pool))
          .inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
              changed();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
              changed();
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
              changed();
            }
          }, 0);
    }

    List<InetSocketAddress> addresses() {
      return informer.getStore().list().stream().filter(GatewayPods::serving)
          .map(p -> new InetSocketAddress(p.getStatus().getPodIP(), GatewayObjects.GATEWAY_PORT))
          .sorted(java.util.Comparator.comparing(InetSocketAddress::toString)).toList();
    }

    void changed() {
      resolvers.forEach(Resolver::refresh);
    }
  }

  private static final class Resolver extends NameResolver {
    private final Pool pool;
    private final NameResolver.Args args;
    private final Object roundRobin;
    private Listener2 listener;
    private List<InetSocketAddress> published;

    Resolver(Pool pool, NameResolver.Args args) {
      this.pool = pool;
      this.args = args;
      this.roundRobin = args.getServiceConfigParser()
          .parseServiceConfig(Map.of("loadBalancingConfig", List.of(Map.of("round_robin", Map.of()))))
          .getConfig();
    }

    @Override
    public String getServiceAuthority() {
      return "gateway";
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      pool.resolvers.add(this);
      refresh();
    }

    /** Publishes the serving pods when they changed, or when gRPC asks (a connection failed). */
    @Override
    public void refresh() {
      args.getSynchronizationContext().execute(() -> {
        if (listener == null) {
          return;
        }
        List<InetSocketAddress> now = pool.addresses();
        if (now.isEmpty()) {
          published = null;
          listener.onError(Status.UNAVAILABLE.withDescription("no serving gateway pod"));
        } else if (!now.equals(published)) {
          published = now;
          listener.onResult(ResolutionResult.newBuilder()
              .setAddresses(now.stream().map(EquivalentAddressGroup::new).toList())
              .setServiceConfig(ConfigOrError.fromConfig(roundRobin)).build());
        }
      });
    }

    @Override
    public void shutdown() {
      pool.resolvers.remove(this);
      listener = null;
    }
  }
}

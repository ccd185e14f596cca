package dev.baton.client;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Resolves a target that lists several addresses, "host1:port,host2:port", to all of them, so
 * one channel spreads calls over several gateway replicas and keeps working when one goes away.
 * Registered under the scheme {@code baton-static}; {@link Baton} uses it when a target
 * contains a comma.
 */
final class StaticAddresses extends NameResolverProvider {
  static final String SCHEME = "baton-static";

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 4;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
    if (!SCHEME.equals(uri.getScheme())) {
      return null;
    }
    String list = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (String hostPort : list.split(",")) {
      String hp = hostPort.strip();
      int colon = hp.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("target address '" + hp + "' is not host:port");
      }
      groups.add(new EquivalentAddressGroup(
          new InetSocketAddress(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)))));
    }
    String authority = list.split(",")[0].strip();
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return authority;
      }

      @Override
      public void start(Listener2 listener) {
        listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(
            io.grpc.StatusOr.fromValue(groups)).build());
      }

      @Override
      public void shutdown() {}
    };
  }

  /** The target, written for this resolver. */
  static String target(String commaSeparated) {
    return SCHEME + ":///" + commaSeparated.replace(" ", "");
  }
}

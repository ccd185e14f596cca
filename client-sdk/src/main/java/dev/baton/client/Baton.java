package dev.baton.client;

import dev.baton.proto.v1.OpenSessionRequest;
import dev.baton.proto.v1.OpenSessionResponse;
import dev.baton.proto.v1.SessionServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Entry point of the SDK.
 *
 * <pre>{@code
 * try (Session s = Baton.connect("my-pool.team.svc:15002")) {
 *   long n = s.range(0, 1000).filter(col("id").mod(2).eq(0)).count();
 * }
 * }</pre>
 */
public final class Baton {
  static final Metadata.Key<String> PRINCIPAL_HEADER =
      dev.baton.proto.v1.Headers.PRINCIPAL;
  static final Metadata.Key<String> AUTHORIZATION_HEADER =
      dev.baton.proto.v1.Headers.AUTHORIZATION;
  private static final String CLIENT_TYPE = "baton-java/0.1";

  private Baton() {}

  /** Opens a new session at {@code target} ("host:port") with default options. */
  public static Session connect(String target) {
    return builder().target(target).connect();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a session. */
  public static final class Builder {
    private String target;
    private ManagedChannel channel;
    private String principal = System.getProperty("user.name", "anonymous");
    private final Map<String, String> config = new LinkedHashMap<>();
    private RetryPolicy retry = RetryPolicy.defaults();
    private String attachTo;
    private String token;
    private int batchRows;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean tls;
    private java.nio.file.Path trustedCertificates;

    /**
     * The pool's address, "host:port"; or several addresses of one pool's gateways,
     * "host1:port,host2:port", over which calls are spread.
     */
    public Builder target(String target) {
      this.target = target;
      return this;
    }

    /** Use this channel instead of making one; the session will not close it. */
    public Builder channel(ManagedChannel channel) {
      this.channel = channel;
      return this;
    }

    /** Who the session belongs to (sent as baton-principal; the gateway sets it from your token). */
    public Builder principal(String principal) {
      this.principal = principal;
      return this;
    }

    /** An engine limit or user key for the new session, e.g. ("memory_limit", "1GiB"). */
    public Builder config(String key, String value) {
      config.put(key, value);
      return this;
    }

    /**
     * A bearer token for the pool's gateway: a ServiceAccount token, or one the platform issued
     * from the pool's token Secret. The gateway derives your principal from it.
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /**
     * An extra header sent with every call of the session, for proxies and platform tooling in
     * front of the pool. The SDK's own headers (baton-principal, authorization) cannot be
     * replaced this way.
     */
    public Builder header(String name, String value) {
      String key = name.toLowerCase(java.util.Locale.ROOT);
      if (key.equals("baton-principal") || key.equals("authorization") || key.endsWith("-bin")) {
        throw new IllegalArgumentException("header " + name + " is set by the SDK itself or is binary; "
            + "use principal(...) or token(...)");
      }
      headers.put(key, value);
      return this;
    }

    /**
     * Connect over TLS, trusting the system's certificate authorities. A pool's gateway serves
     * TLS when its pool names a certificate Secret ({@code spec.gateway.tls.secretName}).
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** Connect over TLS, trusting the CA certificates in this PEM file (e.g. a cluster's own CA). */
    public Builder tls(java.nio.file.Path caCertificates) {
      this.tls = true;
      this.trustedCertificates = caCertificates;
      return this;
    }

    public Builder retryPolicy(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /** Rows per Arrow batch the driver sends; 0 (default) lets the driver choose. */
    public Builder batchRows(int batchRows) {
      this.batchRows = batchRows;
      return this;
    }

    /**
     * Use an existing session (e.g. a declared ClientSession's status.sessionId) instead of
     * opening one. Closing such a session object does not close the session itself.
     */
    public Builder attach(String sessionId) {
      this.attachTo = sessionId;
      return this;
    }

    public Session connect() {
      boolean owns = channel == null;
      ManagedChannel ch = owns ? newChannel(target, tls, trustedCertificates) : channel;
      BufferAllocator allocator = new RootAllocator();
      try {
        Metadata metadata = new Metadata();
        metadata.put(PRINCIPAL_HEADER, principal);
        if (token != null) {
          metadata.put(AUTHORIZATION_HEADER, "Bearer " + token);
        }
        headers.forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        var interceptor = MetadataUtils.newAttachHeadersInterceptor(metadata);
        var blocking = SessionServiceGrpc.newBlockingStub(ch).withInterceptors(interceptor);
        var async = SessionServiceGrpc.newStub(ch).withInterceptors(interceptor);
        String id = attachTo;
        Map<String, String> effective = Map.of();
        if (id == null) {
          OpenSessionResponse opened = Retrier.call(retry, "open session", () -> blocking.openSession(
              OpenSessionRequest.newBuilder().putAllConfig(config).setClientType(CLIENT_TYPE).build()));
          id = opened.getSessionId();
          effective = opened.getConfigMap();
        }
        return new Session(id, ch, owns, blocking, async, retry, allocator, effective, batchRows, attachTo == null);
      } catch (RuntimeException e) {
        allocator.close();
        if (owns) {
          ch.shutdownNow();
        }
        throw e;
      }
    }
  }

  static {
    NameResolverRegistry.getDefaultRegistry().register(new StaticAddresses());
  }

  /**
   * A plaintext channel with room for large Arrow batches and keepalives that notice dead peers.
   * A target listing several addresses ("a:15002,b:15002") spreads calls over all of them.
   */
  static ManagedChannel newChannel(String target) {
    return newChannel(target, false, null);
  }

  /** As {@link #newChannel(String)}, over TLS when asked, trusting {@code ca} (system roots if null). */
  static ManagedChannel newChannel(String target, boolean tls, java.nio.file.Path ca) {
    if (target == null || target.isBlank()) {
      throw new IllegalArgumentException("no target: give the pool's address as host:port");
    }
    boolean several = target.contains(",");
    String resolved = several ? StaticAddresses.target(target) : target;
    NettyChannelBuilder b;
    if (tls) {
      io.grpc.TlsChannelCredentials.Builder creds = io.grpc.TlsChannelCredentials.newBuilder();
      if (ca != null) {
        try {
          creds.trustManager(ca.toFile());
        } catch (java.io.IOException e) {
          throw new IllegalArgumentException("cannot read CA certificates " + ca + ": " + e.getMessage(), e);
        }
      }
      b = NettyChannelBuilder.forTarget(resolved, creds.build());
    } else {
      b = NettyChannelBuilder.forTarget(resolved).usePlaintext();
    }
    if (several) {
      b.defaultLoadBalancingPolicy("round_robin");
    }
    return b
        .maxInboundMessageSize(256 << 20)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
  }
}

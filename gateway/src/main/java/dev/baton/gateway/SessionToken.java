package dev.baton.gateway;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's session token, sent to drivers with every call the gateway forwards. When the
 * gateway runs in a pool it reads the token's Secret again every {@link #REFRESH}: the operator
 * rotates the tokens by changing the Secret (drivers accept old and new meanwhile), and the gateway
 * takes the new one without a restart. A Secret that cannot be read keeps the token in use.
 */
public final class SessionToken implements ClientInterceptor, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionToken.class);
  static final Duration REFRESH = Duration.ofSeconds(5);

  private volatile String token;
  private final java.util.function.Consumer<String> inUse;
  private ScheduledExecutorService refresher;

  /** @param inUse told the fingerprint of the token sent, at start and at every change */
  public SessionToken(String token, java.util.function.Consumer<String> inUse) {
    this.token = token;
    this.inUse = inUse;
    inUse.accept(dev.baton.proto.v1.TokenFingerprints.of(token));
  }

  /** Follows key {@code token} of Secret {@code namespace/secret}, read every {@link #REFRESH}. */
  public SessionToken follow(KubernetesClient client, String namespace, String secret) {
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "gateway-session-token");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(() -> refresh(client, namespace, secret), 0, REFRESH.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  private void refresh(KubernetesClient client, String namespace, String secret) {
    try {
      Secret s = client.secrets().inNamespace(namespace).withName(secret).get();
      String encoded = s == null || s.getData() == null ? null : s.getData().get("token");
      if (encoded == null) {
        LOG.warn("Secret {}/{} holds no session token; still sending the previous one", namespace, secret);
        return;
      }
      String read = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      if (!read.equals(token)) {
        token = read;
        inUse.accept(dev.baton.proto.v1.TokenFingerprints.of(read));
        LOG.info("session token changed in Secret {}/{}: sending the new one", namespace, secret);
      }
    } catch (RuntimeException e) {
      LOG.warn("Secret {}/{} cannot be read now ({}); still sending the previous session token", namespace, secret,
          e.getMessage());
    }
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        headers.put(GatewayServer.SESSION_TOKEN, token);
        super.start(listener, headers);
      }
    };
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }
}

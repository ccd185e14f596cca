package dev.baton.gateway;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.ClientSessionSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates and removes the ClientSessions of sessions clients open through the gateway, so every
 * session — declared or ad hoc — is one object the operator places, moves and closes.
 */
public final class SessionCreator {
  /** Marks ClientSessions the gateway created (and so may delete when the client closes them). */
  public static final String CREATED_BY = dev.baton.api.PoolLabels.CREATED_BY;
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final String namespace;
  private final String pool;

  public SessionCreator(KubernetesClient client, String namespace, String pool) {
    this.client = client;
    this.namespace = namespace;
    this.pool = pool;
  }

  /** A ClientSession the gateway created: its object name and the session id it has on drivers. */
  public record Created(String name, String sessionId) {}

  /** Creates the ClientSession; its name and the session id it will have on the drivers. */
  public Created create(String principal, Map<String, String> config) {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      suffix.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    ClientSession cs = new ClientSession();
    cs.setMetadata(new ObjectMetaBuilder().withName(pool + "-" + suffix).withNamespace(namespace)
        .addToLabels(CREATED_BY, "gateway").addToLabels("baton.dev/pool", pool).build());
    ClientSessionSpec spec = new ClientSessionSpec();
    spec.setPool(pool);
    spec.setPrincipal(principal);
    spec.setConfig(new LinkedHashMap<>(config));
    cs.setSpec(spec);
    ClientSession created = client.resource(cs).create();
    return new Created(created.getMetadata().getName(), "cs-" + created.getMetadata().getUid().replace("-", ""));
  }

  /**
   * Creates the ClientSession of a session whose client chose its id (Spark Connect), named
   * {@code sc-<id>} so there is one per id; one that exists already is left as it is (another
   * replica made it, or another principal owns it: routing refuses the latter).
   */
  public void createForClient(String principal, String sessionId) {
    ClientSession cs = new ClientSession();
    cs.setMetadata(new ObjectMetaBuilder().withName("sc-" + sessionId).withNamespace(namespace)
        .addToLabels(CREATED_BY, "gateway").addToLabels("baton.dev/pool", pool).build());
    ClientSessionSpec spec = new ClientSessionSpec();
    spec.setPool(pool);
    spec.setPrincipal(principal);
    spec.setSessionId(sessionId);
    cs.setSpec(spec);
    try {
      client.resource(cs).create();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /**
   * Deletes a ClientSession whose open did not complete (not placed in time, or the client went
   * away): a retried open makes a new one, so this one would be left behind.
   */
  public void abandon(Created created) {
    client.resources(ClientSession.class).inNamespace(namespace).withName(created.name()).delete();
  }

  /** Deletes a gateway-created ClientSession (a declared one is left to its owner). */
  public void closed(Route route) {
    ClientSession cs = client.resources(ClientSession.class).inNamespace(route.namespace()).withName(route.name()).get();
    if (cs != null && "gateway".equals(cs.getMetadata().getLabels() == null ? null
        : cs.getMetadata().getLabels().get(CREATED_BY))) {
      client.resource(cs).delete();
    }
  }
}

package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the kubelet's projected ServiceAccount token volume gives a pod, as environment: the
 * local node's processes share one filesystem, so instead of a file at the standard path a pod
 * gets a TokenRequest token of its ServiceAccount and the API server's address as seen from its
 * network namespace, in the variables the fabric8 client reads. Pods that opt out
 * ({@code automountServiceAccountToken: false}, like drivers) get nothing.
 */
final class ApiAccess {
  private static final long TOKEN_SECONDS = 3600;

  private final KubernetesClient client;

  ApiAccess(KubernetesClient client) {
    this.client = client;
  }

  Map<String, String> env(Pod pod, String hostAddress) {
    if (Boolean.FALSE.equals(pod.getSpec().getAutomountServiceAccountToken())) {
      return Map.of();
    }
    String ns = pod.getMetadata().getNamespace();
    String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
    io.fabric8.kubernetes.api.model.authentication.TokenRequest issued;
    try {
      issued = client.serviceAccounts().inNamespace(ns).withName(account).tokenRequest(new TokenRequestBuilder()
          .withNewSpec().withExpirationSeconds(TOKEN_SECONDS).withNewBoundObjectRef().withApiVersion("v1")
          .withKind("Pod").withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
          .endBoundObjectRef().endSpec().build());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        // No such account (a control plane without the controller manager has no "default"
        // ones): the pod runs without API access, as it would with automount off.
        return Map.of();
      }
      throw e;
    }
    URL master = client.getMasterUrl();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBERNETES_MASTER", "https://" + hostAddress + ":" + master.getPort());
    env.put("KUBERNETES_AUTH_TOKEN", issued.getStatus().getToken());
    env.put("KUBERNETES_NAMESPACE", ns);
    // The test API server's certificate is self-signed for 127.0.0.1.
    env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
    env.put("KUBERNETES_DISABLE_HOSTNAME_VERIFICATION", "true");
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    return env;
  }
}

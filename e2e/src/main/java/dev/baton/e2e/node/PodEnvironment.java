package dev.baton.e2e.node;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment a container declares, resolved as the kubelet would: literal values, the
 * downward API (pod name, namespace, IP, labels, resources), ConfigMap and Secret keys.
 */
final class PodEnvironment {
  private static final Pattern MAP_FIELD = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  private final KubernetesClient client;

  PodEnvironment(KubernetesClient client) {
    this.client = client;
  }

  Map<String, String> resolve(Pod pod, Container c, String podIp, String hostIp) {
    Map<String, String> env = new LinkedHashMap<>();
    String ns = pod.getMetadata().getNamespace();
    if (c.getEnvFrom() != null) {
      for (EnvFromSource from : c.getEnvFrom()) {
        String prefix = from.getPrefix() == null ? "" : from.getPrefix();
        if (from.getConfigMapRef() != null) {
          ConfigMap cm = client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get();
          if (cm != null && cm.getData() != null) {
            cm.getData().forEach((k, v) -> env.put(prefix + k, v));
          } else if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
            throw new IllegalStateException("configmap " + from.getConfigMapRef().getName() + " not found");
          }
        }
        if (from.getSecretRef() != null) {
          Secret s = client.secrets().inNamespace(ns).withName(from.getSecretRef().getName()).get();
          if (s != null && s.getData() != null) {
            s.getData().forEach((k, v) -> env.put(prefix + k, decode(v)));
          } else if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
            throw new IllegalStateException("secret " + from.getSecretRef().getName() + " not found");
          }
        }
      }
    }
    if (c.getEnv() != null) {
      for (EnvVar var : c.getEnv()) {
        String value = var.getValueFrom() == null ? expand(var.getValue(), env)
            : valueFrom(pod, c, var.getValueFrom(), podIp, hostIp);
        if (value != null) {
          env.put(var.getName(), value);
        }
      }
    }
    return env;
  }

  /** $(VAR) references to earlier variables, as Kubernetes expands them. */
  private static String expand(String value, Map<String, String> env) {
    if (value == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    Matcher m = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group(0))));
    }
    m.appendTail(out);
    return out.toString();
  }

  private String valueFrom(Pod pod, Container c, EnvVarSource src, String podIp, String hostIp) {
    String ns = pod.getMetadata().getNamespace();
    if (src.getFieldRef() != null) {
      String path = src.getFieldRef().getFieldPath();
      switch (path) {
        case "metadata.name":
          return pod.getMetadata().getName();
        case "metadata.namespace":
          return ns;
        case "metadata.uid":
          return pod.getMetadata().getUid();
        case "spec.nodeName":
          return pod.getSpec().getNodeName();
        case "spec.serviceAccountName":
          return pod.getSpec().getServiceAccountName();
        case "status.podIP":
        case "status.podIPs":
          return podIp;
        case "status.hostIP":
        case "status.hostIPs":
          return hostIp;
        default:
          Matcher m = MAP_FIELD.matcher(path);
          if (m.matches()) {
            Map<String, String> map = m.group(1).equals("labels") ? pod.getMetadata().getLabels()
                : pod.getMetadata().getAnnotations();
            return map == null ? "" : map.getOrDefault(m.group(2), "");
          }
          throw new IllegalStateException("unsupported fieldRef " + path);
      }
    }
    if (src.getResourceFieldRef() != null) {
      String resource = src.getResourceFieldRef().getResource();
      Map<String, Quantity> source = resource.startsWith("limits.")
          ? (c.getResources() == null ? null : c.getResources().getLimits())
          : (c.getResources() == null ? null : c.getResources().getRequests());
      Quantity q = source == null ? null : source.get(resource.substring(resource.indexOf('.') + 1));
      if (q == null) {
        return "0";
      }
      return Quantity.getAmountInBytes(q).toBigInteger().toString();
    }
    if (src.getConfigMapKeyRef() != null) {
      ConfigMap cm = client.configMaps().inNamespace(ns).withName(src.getConfigMapKeyRef().getName()).get();
      String v = cm == null || cm.getData() == null ? null : cm.getData().get(src.getConfigMapKeyRef().getKey());
      if (v == null && !Boolean.TRUE.equals(src.getConfigMapKeyRef().getOptional())) {
        throw new IllegalStateException("configmap key " + src.getConfigMapKeyRef().getName() + "/"
            + src.getConfigMapKeyRef().getKey() + " not found");
      }
      return v;
    }
    if (src.getSecretKeyRef() != null) {
      Secret s = client.secrets().inNamespace(ns).withName(src.getSecretKeyRef().getName()).get();
      String v = s == null || s.getData() == null ? null : s.getData().get(src.getSecretKeyRef().getKey());
      if (v == null && !Boolean.TRUE.equals(src.getSecretKeyRef().getOptional())) {
        throw new IllegalStateException("secret key " + src.getSecretKeyRef().getName() + "/"
            + src.getSecretKeyRef().getKey() + " not found");
      }
      return v == null ? null : decode(v);
    }
    return null;
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}

package dev.baton.operator;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Refuses to run against CRDs older than this operator. Helm never upgrades a chart's CRDs, so
 * after {@code helm upgrade} the cluster can hold a schema without the fields this operator
 * writes; the API server would silently prune them from every status write (a rollout's record,
 * say), and the operator would act on a status that forgets. Each CRD the operator was built with
 * (from the model, in the api jar) is compared with the installed one: every field must be there.
 */
public final class InstalledCrds {
  /** The command that brings the CRDs up to date, in every message. */
  public static final String APPLY_COMMAND = "kubectl apply --server-side --force-conflicts -f helm/baton/crds/";
  private static final List<String> NAMES = List.of("driverpools.baton.dev", "clientsessions.baton.dev");

  private InstalledCrds() {}

  /** Thrown when the installed CRDs cannot serve this operator; the message says what to run. */
  public static final class OutdatedCrdsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    OutdatedCrdsException(String message) {
      super(message);
    }
  }

  /** Checks every Baton CRD in the cluster against the one this operator was built with. */
  public static void verify(KubernetesClient client) {
    List<String> problems = new ArrayList<>();
    for (String name : NAMES) {
      CustomResourceDefinition installed;
      try {
        installed = client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      } catch (KubernetesClientException e) {
        // Unknown is not "up to date": without the CRD the operator cannot tell, so it does not start.
        throw new OutdatedCrdsException("cannot read CRD " + name + ": " + (e.getCode() == 403
            ? "the operator needs `get` on customresourcedefinitions " + name
                + " (the chart's ClusterRole baton-operator-cluster)"
            : e.getMessage()));
      }
      if (installed == null) {
        problems.add("CRD " + name + " is not installed");
        continue;
      }
      problems.addAll(compare(name, bundled(name), Serialization.jsonMapper().valueToTree(installed)));
    }
    if (!problems.isEmpty()) {
      throw new OutdatedCrdsException("the Baton CRDs in this cluster are older than this operator: "
          + String.join("; ", problems) + ". Apply this release's CRDs, then restart the operator: " + APPLY_COMMAND);
    }
  }

  /** What is wrong with {@code installed} for an operator built with {@code required} (both CRD documents). */
  static List<String> compare(String name, JsonNode required, JsonNode installed) {
    List<String> problems = new ArrayList<>();
    for (JsonNode version : required.path("spec").path("versions")) {
      String v = version.path("name").asText();
      JsonNode served = null;
      for (JsonNode candidate : installed.path("spec").path("versions")) {
        if (candidate.path("name").asText().equals(v) && candidate.path("served").asBoolean(false)) {
          served = candidate;
        }
      }
      if (served == null) {
        problems.add("CRD " + name + " does not serve version " + v);
        continue;
      }
      List<String> missing = new ArrayList<>();
      missingFields("", version.path("schema").path("openAPIV3Schema"), served.path("schema").path("openAPIV3Schema"),
          missing);
      if (!missing.isEmpty()) {
        problems.add("CRD " + name + " version " + v + " lacks " + String.join(", ", missing));
      }
    }
    return problems;
  }

  /** Adds every field path of {@code required} that {@code installed} would prune. */
  private static void missingFields(String path, JsonNode required, JsonNode installed, List<String> missing) {
    if (installed.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return; // nothing under it is pruned
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = required.path("properties").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> field = it.next();
      String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      JsonNode theirs = installed.path("properties").path(field.getKey());
      if (theirs.isMissingNode()) {
        missing.add(child);
      } else {
        // An older enum would make the API server refuse (not prune) a value this operator writes.
        JsonNode ours = field.getValue().path("enum");
        if (ours.isArray() && theirs.path("enum").isArray()) {
          for (JsonNode value : ours) {
            boolean known = false;
            for (JsonNode v : theirs.path("enum")) {
              known |= v.equals(value);
            }
            if (!known) {
              missing.add(child + "=" + value.asText());
            }
          }
        }
        missingFields(child, field.getValue(), theirs, missing);
      }
    }
    if (required.has("items")) {
      missingFields(path + "[]", required.path("items"), installed.path("items"), missing);
    }
    if (required.path("additionalProperties").isObject()) {
      missingFields(path + "{}", required.path("additionalProperties"), installed.path("additionalProperties"), missing);
    }
  }

  /** The CRD this operator was built with (generated from the model into the api jar). */
  static JsonNode bundled(String name) {
    String resource = "/META-INF/fabric8/" + name + "-v1.yml";
    try (InputStream in = InstalledCrds.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the operator was built without its CRD " + resource);
      }
      return Serialization.jsonMapper().valueToTree(Serialization.unmarshal(in, CustomResourceDefinition.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.baton.e2e.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The objects Baton's chart renders for a release, by the real Helm library ({@code helm
 * template}). Integration tests run the operator under exactly the RBAC rendered here, so the
 * chart and the tests cannot drift apart.
 */
public final class RenderedChart {
  /** The chart in this repository, from a module directory. */
  public static final Path CHART = Path.of("..", "helm", "baton");
  /** The release the tests and the demo install. */
  public static final String RELEASE = "baton";
  public static final String NAMESPACE = "baton-system";

  /** The operator's rights: RBAC, and the admission policy that narrows its writes. */
  private static final Set<String> RBAC_KINDS = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
      "RoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");

  private final String yaml;
  private final List<HasMetadata> objects;

  private RenderedChart(String yaml, List<HasMetadata> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  /** {@code helm template <RELEASE> <chart> -n <NAMESPACE> --set k=v ...}. */
  public static RenderedChart render(Path chart, Map<String, ?> values) {
    TemplateCommand template = new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
    for (Map.Entry<String, ?> v : new LinkedHashMap<>(values).entrySet()) {
      template = template.set(v.getKey(), v.getValue());
    }
    return parse(template.call());
  }

  /** As {@link #render(Path, Map)} with a values file. */
  public static RenderedChart render(Path chart, Path valuesFile) {
    return parse(new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(valuesFile).call());
  }

  private static RenderedChart parse(String yaml) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      Object o = Serialization.unmarshal(new ByteArrayInputStream(doc.getBytes(StandardCharsets.UTF_8)));
      if (o instanceof HasMetadata h) {
        out.add(h);
      } else if (o instanceof List<?> list) {
        list.stream().filter(HasMetadata.class::isInstance).map(HasMetadata.class::cast).forEach(out::add);
      }
    }
    return new RenderedChart(yaml, List.copyOf(out));
  }

  /** The rendered manifest, as Helm printed it. */
  public String yaml() {
    return yaml;
  }

  public List<HasMetadata> objects() {
    return objects;
  }

  /** The ServiceAccount, roles and bindings the chart installs. */
  public List<HasMetadata> rbac() {
    return objects.stream().filter(o -> RBAC_KINDS.contains(o.getKind())).toList();
  }

  /** The one object of this kind and name; fails naming what was rendered when there is none. */
  public <T extends HasMetadata> T get(Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("the chart rendered no " + type.getSimpleName() + " " + name
            + "; it rendered " + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
  }

  public <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }
}

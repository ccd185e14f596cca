package dev.baton.operator.pool;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records Kubernetes Events on the operator's resources (kubectl describe shows them). */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String ns = about.getMetadata().getNamespace();
    LOG.info("event {} {}/{} {}: {}", type, ns, about.getMetadata().getName(), reason, message);
    try {
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
          .withNewMetadata().withGenerateName(about.getMetadata().getName() + ".").withNamespace(ns).endMetadata()
          .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind())
          .withName(about.getMetadata().getName()).withNamespace(ns).withUid(about.getMetadata().getUid())
          .endInvolvedObject()
          .withType(type).withReason(reason).withMessage(message)
          .withNewSource().withComponent("baton-operator").endSource()
          .withReportingComponent("baton.dev/operator").withReportingInstance(hostname())
          .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on {}: {}", reason, about.getMetadata().getName(), e.getMessage());
    }
  }

  private static String hostname() {
    String h = System.getenv("POD_NAME");
    return h != null ? h : "baton-operator";
  }
}

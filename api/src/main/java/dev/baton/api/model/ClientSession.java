package dev.baton.api.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A client session on a pool. Declared by users (GitOps) or created by the gateway for each
 * session a client opens; the operator places it on a driver and keeps it there, moving it when
 * its driver is upgraded, drained or lost.
 */
@Group("baton.dev")
@Version("v1alpha1")
@ShortNames({"cs", "bsession"})
@AdditionalPrinterColumn(name = "POOL", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.pool")
@AdditionalPrinterColumn(name = "PHASE", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "DRIVER", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.driverPod")
@AdditionalPrinterColumn(name = "AGE", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
@io.fabric8.generator.annotation.ValidationRule(
    value = "!has(self.spec.sessionId) || self.metadata.name == 'sc-' + self.spec.sessionId",
    message = "a ClientSession with spec.sessionId must be named sc-<sessionId>, so no two sessions in a "
        + "namespace claim one id")
public class ClientSession extends CustomResource<ClientSessionSpec, ClientSessionStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;
}

package dev.baton.api.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A pool of drivers that serve client sessions over baton.v1. The operator runs the drivers as
 * pods, keeps the pool's Service pointing at the drivers that accept sessions, and moves sessions
 * off drivers before it removes them.
 */
@Group("baton.dev")
@Version("v1alpha1")
@ShortNames({"dp", "pool"})
@AdditionalPrinterColumn(name = "READY", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.readyReplicas")
@AdditionalPrinterColumn(name = "UPDATED", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.updatedReplicas")
@AdditionalPrinterColumn(name = "SESSIONS", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.sessions")
@AdditionalPrinterColumn(name = "REVISION", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.currentRevision")
@AdditionalPrinterColumn(name = "ROLLOUT", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".status.rollout.phase")
@AdditionalPrinterColumn(name = "TO-MOVE", type = AdditionalPrinterColumn.Type.INTEGER,
    jsonPath = ".status.rollout.sessionsToMove")
@AdditionalPrinterColumn(name = "AVAILABLE", type = AdditionalPrinterColumn.Type.STRING,
    jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "AGE", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class DriverPool extends CustomResource<DriverPoolSpec, DriverPoolStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;
}

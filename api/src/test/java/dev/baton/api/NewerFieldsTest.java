package dev.baton.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.ClientSession;
import dev.baton.api.model.DriverPool;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/**
 * An operator must read objects written under a newer CRD (fields it does not know, at every
 * level): a CRD upgrade ahead of the operator, or a rollback of the operator, must not stop it.
 */
class NewerFieldsTest {
  @Test
  void fieldsUnknownToThisVersionAreIgnoredAtEveryLevel() {
    DriverPool pool = Serialization.unmarshal("""
        apiVersion: baton.dev/v1alpha1
        kind: DriverPool
        metadata: {name: p, namespace: n}
        spec:
          replicas: 2
          future: 1
          driver: {image: "r/d:1", future: 1, engine: {threads: 2, spillToDisk: true}}
          sessions: {maxPerDriver: 5, future: 1}
          upgrade: {strategy: BlueGreen, future: 1}
          gateway: {replicas: 1, future: 1}
        status:
          future: 1
          rollout: {revision: abc, future: 1}
          gateway: {readyReplicas: 1, future: 1}
        """, DriverPool.class);
    assertThat(pool.getSpec().getDriver().getEngine().getThreads()).isEqualTo(2);
    assertThat(pool.getStatus().getRollout().getRevision()).isEqualTo("abc");
    ClientSession cs = Serialization.unmarshal("""
        apiVersion: baton.dev/v1alpha1
        kind: ClientSession
        metadata: {name: s, namespace: n}
        spec: {pool: p, principal: alice, future: 1, views: [{name: v, sql: "SELECT 1", future: 1}]}
        status: {phase: Bound, future: 1, move: {from: a, future: 1}}
        """, ClientSession.class);
    assertThat(cs.getSpec().getViews()).hasSize(1);
    assertThat(cs.getStatus().getMove().getFrom()).isEqualTo("a");
  }
}

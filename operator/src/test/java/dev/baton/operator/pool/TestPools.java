package dev.baton.operator.pool;

import dev.baton.api.model.DriverPool;
import dev.baton.api.model.DriverPoolSpec;
import dev.baton.api.model.DriverSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Pools as the API server would hand them to the operator, defaults applied. */
final class TestPools {
  private TestPools() {}

  /** Pool {@code team/sales} running {@code reg/baton-driver:1}. */
  static DriverPool sales() {
    DriverPool p = new DriverPool();
    p.setMetadata(new ObjectMetaBuilder().withName("sales").withNamespace("team").withUid("u-1").build());
    DriverPoolSpec spec = new DriverPoolSpec();
    DriverSpec d = new DriverSpec();
    d.setImage("reg/baton-driver:1");
    spec.setDriver(d);
    p.setSpec(spec);
    return p;
  }
}

package dev.baton.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.model.DriverSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DriverRevisionsTest {
  @Test
  void aStoredRevisionGivesBackTheDriverSpecItWasBuiltFrom() {
    var pool = TestPools.sales();
    DriverSpec driver = pool.getSpec().getDriver();
    driver.getEngine().setThreads(3);
    ControllerRevision stored = DriverRevisions.build(pool, "abc", driver, null, 4);
    assertThat(stored.getMetadata().getName()).isEqualTo("sales-abc");
    assertThat(stored.getRevision()).isEqualTo(4L);
    assertThat(stored.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("u-1"));
    DriverSpec back = DriverRevisions.driverOf(stored);
    assertThat(back.getImage()).isEqualTo("reg/baton-driver:1");
    assertThat(back.getEngine().getThreads()).isEqualTo(3);
    assertThat(RevisionHasher.revision(back)).isEqualTo(RevisionHasher.revision(driver));
  }

  @Test
  void pruningDeletesTheOldestBeyondTheLimitButNeverOneInUse() {
    var pool = TestPools.sales();
    List<ControllerRevision> stored = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      stored.add(DriverRevisions.build(pool, "r" + i, pool.getSpec().getDriver(), null, i));
    }
    assertThat(DriverRevisions.prune(stored, Set.of("r6"), 10)).isEmpty();
    assertThat(DriverRevisions.prune(stored, Set.of("r1", "r6"), 3))
        .as("r1 is kept (a pod runs it, or it is the last stable one)").containsExactly("sales-r2", "sales-r3", "sales-r4");
    assertThat(DriverRevisions.newest(stored)).isEqualTo(6);
  }
}

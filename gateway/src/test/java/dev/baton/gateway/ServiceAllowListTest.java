package dev.baton.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceAllowListTest {
  @Test
  void byDefaultTheSessionApiAndHealthAreForwarded() {
    ServiceAllowList list = ServiceAllowList.defaults();
    assertThat(list.refusal("baton.v1.SessionService/ExecutePlan")).isNull();
    assertThat(list.refusal("grpc.health.v1.Health/Check")).isNull();
  }

  @Test
  void driverControlIsRefusedEvenWhenAPoolListsIt() {
    ServiceAllowList list = new ServiceAllowList(Set.of("baton.v1.DriverControl", "baton.v1.SessionService"));
    Status refusal = list.refusal("baton.v1.DriverControl/ExportSession");
    assertThat(refusal.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void anyOtherServiceIsUnimplementedAndTheMessageStaysShort() {
    ServiceAllowList list = ServiceAllowList.defaults();
    assertThat(list.refusal("spark.connect.SparkConnectService/ExecutePlan").getCode())
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(list.refusal("no-slash-at-all").getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(list.refusal("x".repeat(100_000) + "/y").getDescription().length()).isLessThan(400);
  }
}

package dev.baton.driver.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class EngineErrorsTest {
  @Test
  void errorClassesMapToCodes() {
    assertThat(EngineErrors.codeFor("Out of Memory Error: failed to allocate")).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(EngineErrors.codeFor("Binder Error: Referenced column \"x\" not found")).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(EngineErrors.codeFor("Catalog Error: Table with name nope does not exist!")).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(EngineErrors.codeFor("Conversion Error: Could not convert")).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(EngineErrors.codeFor("Permission Error: Cannot access file")).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(EngineErrors.codeFor("INTERRUPT Error: Interrupted!")).isEqualTo(Status.Code.CANCELLED);
    assertThat(EngineErrors.codeFor("something else")).isEqualTo(Status.Code.INTERNAL);
  }
}

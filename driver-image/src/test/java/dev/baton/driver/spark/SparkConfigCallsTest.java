package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.driver.session.SparkSessionState;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.junit.jupiter.api.Test;

class SparkConfigCallsTest {
  private final SparkSessionState state = new SparkSessionState();

  private ConfigRequest.Operation.Builder op() {
    return ConfigRequest.Operation.newBuilder();
  }

  @Test
  void setThenGetReadsBackAndDefaultsAnswerKeysClientsRead() {
    SparkConfigCalls.apply(state, op().setSet(ConfigRequest.Set.newBuilder()
        .addPairs(KeyValue.newBuilder().setKey("spark.x").setValue("1"))).build());
    assertThat(SparkConfigCalls.apply(state, op().setGet(ConfigRequest.Get.newBuilder().addKeys("spark.x")
        .addKeys("spark.sql.session.timeZone")).build()).getPairsList())
        .extracting(KeyValue::getValue).containsExactly("1", "UTC");
  }

  @Test
  void anUnknownKeyIsSparksConfNotFoundAndGetOptionLeavesItEmpty() {
    assertThatThrownBy(() -> SparkConfigCalls.apply(state, op().setGet(ConfigRequest.Get.newBuilder()
        .addKeys("spark.nope")).build())).isInstanceOfSatisfying(SparkError.class,
            e -> assertThat(e.errorClass()).isEqualTo("SQL_CONF_NOT_FOUND"));
    assertThat(SparkConfigCalls.apply(state, op().setGetOption(ConfigRequest.GetOption.newBuilder()
        .addKeys("spark.nope")).build()).getPairs(0).hasValue()).isFalse();
  }

  @Test
  void planCompressionCannotBeTurnedOnSinceThisDriverReadsPlansUncompressed() {
    assertThatThrownBy(() -> SparkConfigCalls.apply(state, op().setSet(ConfigRequest.Set.newBuilder()
        .addPairs(KeyValue.newBuilder().setKey("spark.connect.session.planCompression.threshold").setValue("10")))
        .build())).isInstanceOfSatisfying(SparkError.class,
            e -> assertThat(e.errorClass()).isEqualTo("CANNOT_MODIFY_CONFIG"));
    assertThat(SparkConfigCalls.apply(state, op().setIsModifiable(ConfigRequest.IsModifiable.newBuilder()
        .addKeys("spark.connect.session.planCompression.threshold").addKeys("spark.x")).build()).getPairsList())
        .extracting(KeyValue::getValue).containsExactly("false", "true");
  }

  @Test
  void unsetFallsBackToTheDefault() {
    SparkConfigCalls.apply(state, op().setSet(ConfigRequest.Set.newBuilder()
        .addPairs(KeyValue.newBuilder().setKey("spark.sql.session.timeZone").setValue("Europe/Paris"))).build());
    SparkConfigCalls.apply(state, op().setUnset(ConfigRequest.Unset.newBuilder()
        .addKeys("spark.sql.session.timeZone")).build());
    assertThat(SparkConfigCalls.apply(state, op().setGet(ConfigRequest.Get.newBuilder()
        .addKeys("spark.sql.session.timeZone")).build()).getPairs(0).getValue()).isEqualTo("UTC");
  }

  @Test
  void aSessionKeepsABoundedConfigSoNoClientFillsTheDriversHeap() {
    ConfigRequest.Set.Builder many = ConfigRequest.Set.newBuilder();
    for (int i = 0; i <= SparkConfigCalls.MAX_KEYS; i++) {
      many.addPairs(KeyValue.newBuilder().setKey("spark.k" + i).setValue("v"));
    }
    assertThatThrownBy(() -> SparkConfigCalls.apply(state, op().setSet(many).build()))
        .isInstanceOfSatisfying(SparkError.class, e -> assertThat(e.errorClass()).isEqualTo("CONFIG_LIMIT"));
    assertThat(state.conf()).as("nothing of a refused set is kept").isEmpty();
    assertThatThrownBy(() -> SparkConfigCalls.apply(state, op().setSet(ConfigRequest.Set.newBuilder()
        .addPairs(KeyValue.newBuilder().setKey("spark.big").setValue("x".repeat(SparkConfigCalls.MAX_VALUE_LENGTH + 1))))
        .build())).isInstanceOf(SparkError.class);
  }
}

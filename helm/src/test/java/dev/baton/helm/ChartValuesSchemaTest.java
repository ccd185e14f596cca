package dev.baton.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.e2e.chart.RenderedChart;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** values.schema.json: Helm refuses bad values before rendering anything, naming the value. */
class ChartValuesSchemaTest {

  @ParameterizedTest(name = "{0}={1} is refused: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      operator.replicas               | many              | at '/operator/replicas': got string, want integer
      operator.replicas               | -1                | at '/operator/replicas': minimum
      operator.logLevel               | VERBOSE           | at '/operator/logLevel': value must be one of
      operator.image.pullPolicy       | Sometimes         | at '/operator/image/pullPolicy': value must be one of
      operator.image.tag              | 'not a tag'       | at '/operator/image/tag'
      operator.image.repository       | ''                | at '/operator/image/repository'
      operator.healthPort             | 70000             | at '/operator/healthPort': maximum
      operator.replica                | 2                 | at '/operator': additional properties 'replica' not allowed
      watchNamespaces[0]              | Team_A            | at '/watchNamespaces/0'
      metrics.serviceMonitor.interval | often             | at '/metrics/serviceMonitor/interval'
      metrics.prometheusRule.enabled  | yes please        | at '/metrics/prometheusRule/enabled': got string, want boolean
      gatway.image.tag                | 1.0               | additional properties 'gatway' not allowed
      """)
  void badValuesAreRefusedNamingTheValue(String key, String value, String message) {
    assertThatThrownBy(() -> RenderedChart.render(ChartTemplateTest.CHART, Map.of(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(message);
  }
}

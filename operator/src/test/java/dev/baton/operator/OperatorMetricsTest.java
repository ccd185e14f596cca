package dev.baton.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The metric the chart's BatonRolloutStuck alert reads. */
class OperatorMetricsTest {

  @Test
  void rolloutPhaseIsOneForTheCurrentPhaseAndZeroOnceThePoolIsGone() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.rolloutPhase("data", "analytics", "Progressing");
    metrics.rolloutPhase("data", "analytics", "Failed");

    assertThat(metrics.scrape()).contains("baton_rollout_phase{namespace=\"data\",phase=\"Failed\",pool=\"analytics\"} 1")
        .contains("baton_rollout_phase{namespace=\"data\",phase=\"Progressing\",pool=\"analytics\"} 0");

    metrics.rolloutPhase("data", "analytics", null);
    assertThat(metrics.scrape()).contains("baton_rollout_phase{namespace=\"data\",phase=\"Failed\",pool=\"analytics\"} 0");
  }

  @Test
  void aPoolsLostMovesCounterStartsAtZeroSoTheFirstLossIsAnIncrease() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.pool("data", "analytics");

    assertThat(metrics.scrape())
        .contains("baton_session_moves_total{namespace=\"data\",pool=\"analytics\",result=\"lost\"} 0");
  }
}

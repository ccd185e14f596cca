package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SparkNamesTest {
  @Test
  void multiPartNamesWithBackticksSplitAsSparkDoes() {
    assertThat(SparkNames.parts("a.b")).containsExactly("a", "b");
    assertThat(SparkNames.parts("`a.b`.c")).containsExactly("a.b", "c");
    assertThat(SparkNames.parts("`x``y`")).containsExactly("x`y");
  }

  @Test
  void identifiersAreQuotedForDuckDbSoNothingInjects() {
    assertThat(SparkNames.identifier("t.`we\"ird`")).isEqualTo("\"t\".\"we\"\"ird\"");
  }

  @Test
  void emptyPartsAndOpenBackticksAreRefused() {
    assertThatThrownBy(() -> SparkNames.parts("a..b")).isInstanceOf(SparkError.class);
    assertThatThrownBy(() -> SparkNames.parts("`open")).isInstanceOf(SparkError.class);
  }
}

package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkSqlDialectTest {
  @Test
  void backticksBecomeQuotedIdentifiersAndDoubleQuotesStringLiterals() {
    assertThat(SparkSqlDialect.toDuckDb("SELECT `my col`, \"text\" FROM `t`"))
        .isEqualTo("SELECT \"my col\", 'text' FROM \"t\"");
  }

  @Test
  void literalsAndCommentsAreLeftAlone() {
    assertThat(SparkSqlDialect.toDuckDb("SELECT 'a `b` :c' -- `x` :y\n, 1 /* `z` */"))
        .isEqualTo("SELECT 'a `b` :c' -- `x` :y\n, 1 /* `z` */");
  }

  @Test
  void backslashEscapesInStringsAreSparks() {
    assertThat(SparkSqlDialect.toDuckDb("SELECT 'it\\'s', \"say \\\"hi\\\"\""))
        .isEqualTo("SELECT 'it''s', 'say \"hi\"'");
  }

  @Test
  void namedAndPositionalParametersAreReplacedOutsideLiterals() {
    assertThat(SparkSqlDialect.toDuckDb("SELECT * FROM t WHERE a > :lo AND b = ':lo' AND c::INT = 1",
        Map.of("lo", "5"), List.of())).isEqualTo("SELECT * FROM t WHERE a > (5) AND b = ':lo' AND c::INT = 1");
    assertThat(SparkSqlDialect.toDuckDb("SELECT ?, ?", Map.of(), List.of("1", "'x'")))
        .isEqualTo("SELECT (1), ('x')");
  }

  @Test
  void anUnboundParameterIsSparksError() {
    assertThatThrownBy(() -> SparkSqlDialect.toDuckDb("SELECT :missing", Map.of("lo", "1"), List.of()))
        .isInstanceOfSatisfying(SparkError.class, e -> assertThat(e.errorClass()).isEqualTo("UNBOUND_SQL_PARAMETER"));
    assertThatThrownBy(() -> SparkSqlDialect.toDuckDb("SELECT ?, ?", Map.of(), List.of("1")))
        .isInstanceOf(SparkError.class);
  }

  @Test
  void anUnclosedQuoteIsAParseError() {
    assertThatThrownBy(() -> SparkSqlDialect.toDuckDb("SELECT 'open"))
        .isInstanceOfSatisfying(SparkError.class, e -> assertThat(e.errorClass()).isEqualTo("PARSE_SYNTAX_ERROR"));
  }
}

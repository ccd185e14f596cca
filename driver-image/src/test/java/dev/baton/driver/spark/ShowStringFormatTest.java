package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShowStringFormatTest {
  private static final SparkEngine.Rows ROWS = new SparkEngine.Rows(List.of("id", "name"),
      List.of(List.of("1", "ana"), List.of("22", "a name that is long"), List.of("3", "NULL")));

  @Test
  void tableWithRightAlignedCellsAndAMoreRowsFooter() {
    assertThat(ShowStringFormat.format(ROWS, 2, 20, false)).isEqualTo("""
        +---+-------------------+
        | id|               name|
        +---+-------------------+
        |  1|                ana|
        | 22|a name that is long|
        +---+-------------------+
        only showing top 2 rows""");
  }

  @Test
  void truncationCutsCellsWithDotsAndZeroMeansLeftAligned() {
    assertThat(ShowStringFormat.format(ROWS, 3, 8, false)).contains("|a nam...|").contains("|    NULL|");
    assertThat(ShowStringFormat.format(ROWS, 3, 0, false)).contains("|1  |ana                |");
  }

  @Test
  void verticalModeListsEachRecord() {
    assertThat(ShowStringFormat.format(new SparkEngine.Rows(List.of("id"), List.of(List.of("7"))), 20, 20, true))
        .isEqualTo("-RECORD 0--\n id  | 7   \n");
    assertThat(ShowStringFormat.format(new SparkEngine.Rows(List.of("id"), List.of()), 20, 20, true))
        .isEqualTo("(0 rows)\n");
  }

  @Test
  void wideCharactersTakeTwoColumns() {
    assertThat(ShowStringFormat.width("日本")).isEqualTo(4);
    assertThat(ShowStringFormat.width("ab")).isEqualTo(2);
  }
}

package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.connect.proto.DataType;
import org.junit.jupiter.api.Test;

class SparkDdlTest {
  @Test
  void aFieldListIsAStruct() {
    DataType t = SparkDdl.parse("a int, `b c` string NOT NULL, d decimal(10,2), e array<bigint>");
    assertThat(t.getStruct().getFieldsList()).extracting(DataType.StructField::getName)
        .containsExactly("a", "b c", "d", "e");
    assertThat(t.getStruct().getFields(1).getNullable()).isFalse();
    assertThat(t.getStruct().getFields(2).getDataType().getDecimal().getScale()).isEqualTo(2);
    assertThat(t.getStruct().getFields(3).getDataType().getArray().getElementType().hasLong()).isTrue();
  }

  @Test
  void aBareTypeIsThatType() {
    assertThat(SparkDdl.parse("double").hasDouble()).isTrue();
    assertThat(SparkDdl.parse("map<string,int>").getMap().getValueType().hasInteger()).isTrue();
    assertThat(SparkDdl.parse("struct<x:int,y:string>").getStruct().getFieldsCount()).isEqualTo(2);
  }

  @Test
  void anUnknownTypeIsAParseError() {
    assertThatThrownBy(() -> SparkDdl.parse("a frobnicator"))
        .isInstanceOfSatisfying(SparkError.class, e -> assertThat(e.errorClass()).isEqualTo("PARSE_SYNTAX_ERROR"));
  }
}

package dev.baton.driver.spark;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.junit.jupiter.api.Test;

/** A client's local data (createDataFrame) is checked before the engine's native code reads it. */
class LocalDataValidationTest {
  @Test
  void dictionaryEncodedColumnsAreRefusedBeforeTheEngineSeesThem() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        VarCharVector dictionary = new VarCharVector("dict", allocator)) {
      dictionary.allocateNew();
      dictionary.setSafe(0, "only".getBytes(StandardCharsets.UTF_8));
      dictionary.setValueCount(1);
      DictionaryEncoding encoding = new DictionaryEncoding(1L, false, new ArrowType.Int(32, true));
      Field field = new Field("s", new FieldType(true, new ArrowType.Int(32, true), encoding), null);
      try (IntVector indices = (IntVector) field.createVector(allocator)) {
        indices.allocateNew();
        indices.setSafe(0, 1_000_000); // far outside the one-entry dictionary
        indices.setValueCount(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DictionaryProvider.MapDictionaryProvider provider =
            new DictionaryProvider.MapDictionaryProvider(new Dictionary(dictionary, encoding));
        try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(field), List.of(indices));
            ArrowStreamWriter writer = new ArrowStreamWriter(root, provider, out)) {
          writer.start();
          writer.writeBatch();
          writer.end();
        }
        assertThatThrownBy(() -> SessionSparkEngine.validate(out.toByteArray()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dictionary-encoded");
      }
    }
  }

  @Test
  void plainColumnsPass() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        IntVector v = new IntVector("n", allocator);
        VectorSchemaRoot root = VectorSchemaRoot.of(v)) {
      v.allocateNew();
      v.setSafe(0, 7);
      v.setValueCount(1);
      root.setRowCount(1);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, out)) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      assertThatCode(() -> SessionSparkEngine.validate(out.toByteArray())).doesNotThrowAnyException();
    }
  }
}

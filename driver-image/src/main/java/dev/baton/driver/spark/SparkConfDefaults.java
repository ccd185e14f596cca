package dev.baton.driver.spark;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Spark config a session starts with: Spark's defaults for the keys Spark Connect clients
 * read, and the values this driver's behaviour implies (no plan compression: plans arrive as
 * they are; ANSI mode, as Spark 4).
 */
final class SparkConfDefaults {
  /** Keys a client may read but not change: they describe what this driver does. */
  static final Set<String> FIXED = Set.of(
      "spark.connect.session.planCompression.threshold",
      "spark.connect.session.planCompression.defaultAlgorithm");

  static final Map<String, String> DEFAULTS;

  static {
    Map<String, String> d = new TreeMap<>();
    d.put("spark.connect.session.planCompression.threshold", "-1");
    d.put("spark.connect.session.planCompression.defaultAlgorithm", "NONE");
    d.put("spark.sql.session.timeZone", "UTC");
    d.put("spark.sql.ansi.enabled", "true");
    d.put("spark.sql.timestampType", "TIMESTAMP_LTZ");
    d.put("spark.sql.shuffle.partitions", "200");
    d.put("spark.sql.session.localRelationCacheThreshold", String.valueOf(1L << 40));
    d.put("spark.sql.session.localRelationChunkSizeRows", "10000");
    // Local data travels inside the plan (no artifact cache here), so within one request's limit.
    d.put("spark.sql.session.localRelationSizeLimit", String.valueOf(16L << 20));
    d.put("spark.sql.execution.pyspark.binaryAsBytes", "true");
    d.put("spark.sql.artifact.isolation.alwaysApplyClassloader", "false");
    d.put("spark.sql.session.localRelationChunkSizeBytes", String.valueOf(16L << 20));
    d.put("spark.sql.session.localRelationBatchOfChunksSizeBytes", String.valueOf(1L << 40));
    d.put("spark.sql.execution.arrow.pyspark.enabled", "true");
    d.put("spark.sql.execution.arrow.pyspark.fallback.enabled", "true");
    d.put("spark.sql.execution.arrow.pyspark.selfDestruct.enabled", "false");
    d.put("spark.sql.execution.arrow.maxRecordsPerBatch", "10000");
    d.put("spark.sql.execution.arrow.useLargeVarTypes", "false");
    d.put("spark.sql.execution.pandas.convertToArrowArraySafely", "false");
    d.put("spark.sql.execution.pandas.inferPandasDictAsMap", "false");
    d.put("spark.sql.execution.pandas.structHandlingMode", "legacy");
    d.put("spark.sql.execution.pythonUDF.arrow.enabled", "false");
    d.put("spark.sql.execution.pythonUDTF.arrow.enabled", "false");
    d.put("spark.sql.pyspark.inferNestedDictAsStruct.enabled", "false");
    d.put("spark.sql.pyspark.legacy.inferArrayTypeFromFirstElement.enabled", "false");
    d.put("spark.sql.pyspark.legacy.inferMapTypeFromFirstPair.enabled", "false");
    d.put("spark.sql.pyspark.jvmStacktrace.enabled", "false");
    d.put("spark.sql.pyspark.dataSource.profiler", "");
    d.put("spark.sql.pyspark.udf.profiler", "");
    d.put("spark.sql.connect.serverStacktrace.enabled", "false");
    d.put("spark.sql.repl.eagerEval.enabled", "false");
    d.put("spark.sql.repl.eagerEval.maxNumRows", "20");
    d.put("spark.sql.repl.eagerEval.truncate", "20");
    d.put("spark.sql.caseSensitive", "false");
    d.put("spark.sql.legacy.setopsPrecedence.enabled", "false");
    d.put("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    d.put("spark.sql.optimizer.collapseProjectAlwaysInline", "false");
    d.put("spark.sql.artifact.isolation.enabled", "true");
    d.put("spark.sql.connect.binding.enabled", "true");
    DEFAULTS = java.util.Collections.unmodifiableMap(d);
  }

  private SparkConfDefaults() {}
}

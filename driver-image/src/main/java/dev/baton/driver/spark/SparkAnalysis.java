package dev.baton.driver.spark;

import dev.baton.driver.engine.EngineException;
import dev.baton.driver.engine.SessionEngine;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.AnalyzePlanResponse;
import org.apache.spark.connect.proto.DataType;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.StorageLevel;

/** AnalyzePlan: a plan's schema, explanation and properties, without running it. */
final class SparkAnalysis {
  private final SessionEngine engine;
  private final String sparkVersion;

  SparkAnalysis(SessionEngine engine, String sparkVersion) {
    this.engine = engine;
    this.sparkVersion = sparkVersion;
  }

  private SparkRelations relations() {
    return new SparkRelations(new SessionSparkEngine(engine));
  }

  private static Relation root(Plan plan) {
    if (!plan.hasRoot()) {
      throw SparkError.invalidPlan("analysis of a plan without a relation");
    }
    return plan.getRoot();
  }

  DataType schema(Plan plan) {
    String sql = relations().compileRoot(root(plan));
    try {
      return SparkTypes.struct(engine.arrowSchema(sql));
    } catch (java.sql.SQLException e) {
      throw new EngineException(e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  void analyze(AnalyzePlanRequest req, AnalyzePlanResponse.Builder out) {
    switch (req.getAnalyzeCase()) {
      case SCHEMA -> out.setSchema(AnalyzePlanResponse.Schema.newBuilder().setSchema(schema(req.getSchema().getPlan())));
      case TREE_STRING -> {
        int level = req.getTreeString().hasLevel() ? req.getTreeString().getLevel() : 0;
        out.setTreeString(AnalyzePlanResponse.TreeString.newBuilder()
            .setTreeString(SparkTypes.treeString(schema(req.getTreeString().getPlan()), level)));
      }
      case EXPLAIN -> {
        String sql = relations().compileRoot(root(req.getExplain().getPlan()));
        out.setExplain(AnalyzePlanResponse.Explain.newBuilder().setExplainString(
            "== Physical Plan ==\nBaton reference driver: one DuckDB query\n" + sql + "\n\n"));
      }
      case IS_LOCAL -> out.setIsLocal(AnalyzePlanResponse.IsLocal.newBuilder()
          .setIsLocal(root(req.getIsLocal().getPlan()).hasLocalRelation()));
      case IS_STREAMING -> out.setIsStreaming(AnalyzePlanResponse.IsStreaming.newBuilder().setIsStreaming(false));
      case INPUT_FILES -> out.setInputFiles(AnalyzePlanResponse.InputFiles.getDefaultInstance());
      case SPARK_VERSION -> out.setSparkVersion(AnalyzePlanResponse.SparkVersion.newBuilder().setVersion(sparkVersion));
      case SAME_SEMANTICS -> {
        String a = relations().compile(root(req.getSameSemantics().getTargetPlan()));
        String b = relations().compile(root(req.getSameSemantics().getOtherPlan()));
        out.setSameSemantics(AnalyzePlanResponse.SameSemantics.newBuilder().setResult(a.equals(b)));
      }
      case SEMANTIC_HASH -> out.setSemanticHash(AnalyzePlanResponse.SemanticHash.newBuilder()
          .setResult(relations().compile(root(req.getSemanticHash().getPlan())).hashCode()));
      case DDL_PARSE -> out.setDdlParse(AnalyzePlanResponse.DDLParse.newBuilder()
          .setParsed(SparkDdl.parse(req.getDdlParse().getDdlString())));
      // One process, nothing to cache: persisting is accepted and changes nothing.
      case PERSIST -> out.setPersist(AnalyzePlanResponse.Persist.getDefaultInstance());
      case UNPERSIST -> out.setUnpersist(AnalyzePlanResponse.Unpersist.getDefaultInstance());
      case GET_STORAGE_LEVEL -> out.setGetStorageLevel(AnalyzePlanResponse.GetStorageLevel.newBuilder()
          .setStorageLevel(StorageLevel.newBuilder().setUseMemory(true).setUseDisk(true).setReplication(1)));
      default -> throw SparkError.unsupported("the analysis " + req.getAnalyzeCase().name().toLowerCase());
    }
  }
}

package dev.baton.spark;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.SessionSnapshot;
import dev.baton.proto.v1.SparkReplayStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.KeyValue;

/**
 * What importing a snapshot runs on this server, and what it reports as not moved. Reads format 4
 * (the plugin's journal) and format 3 (a session of the reference driver's Spark Connect service:
 * its Spark config replays; its DuckDB tables and views cannot).
 */
record ImportPlan(List<SparkReplayStep> steps, List<String> notMoved) {

  static ImportPlan of(SessionSnapshot s) {
    int format = s.getFormatVersion();
    if (format > ControlService.SNAPSHOT_FORMAT) {
      throw new IllegalStateException("snapshot format " + format + " is newer than this plugin reads ("
          + ControlService.SNAPSHOT_FORMAT + ")");
    }
    if (format == ControlService.SNAPSHOT_FORMAT) {
      return new ImportPlan(s.getSparkReplayList(), s.getNotMovedList());
    }
    if (format != 3) {
      throw new IllegalArgumentException("snapshot format " + format + " holds only a reference driver's (DuckDB) "
          + "state, which a Spark driver cannot import");
    }
    List<SparkReplayStep> steps = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(s.getSparkConfigMap()).entrySet()) {
      ConfigRequest.Operation op = ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set.newBuilder()
          .addPairs(KeyValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()))).build();
      steps.add(SparkReplayStep.newBuilder().setConfigOperation(ByteString.copyFrom(op.toByteArray()))
          .setSummary("SET " + e.getKey()).build());
    }
    List<String> notMoved = new ArrayList<>();
    s.getViewsList().forEach(v -> notMoved.add("view " + v.getName() + " of the reference driver"));
    s.getTablesList().forEach(t -> notMoved.add("table " + t.getName() + " of the reference driver"));
    if (s.getOperationsCount() > 0) {
      notMoved.add(s.getOperationsCount() + " unreleased results of the reference driver");
    }
    return new ImportPlan(steps, notMoved);
  }
}

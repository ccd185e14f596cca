package dev.baton.driver.spark;

import dev.baton.driver.session.SparkSessionState;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.KeyValue;

/** Spark's runtime config calls over a session's Spark config and this driver's defaults. */
final class SparkConfigCalls {
  /** Bounds on what a session may keep as Spark config: it lives in the driver's heap and moves. */
  static final int MAX_KEYS = 1024;
  static final int MAX_KEY_LENGTH = 1024;
  static final int MAX_VALUE_LENGTH = 64 * 1024;

  private SparkConfigCalls() {}

  static ConfigResponse.Builder apply(SparkSessionState state, ConfigRequest.Operation op) {
    ConfigResponse.Builder out = ConfigResponse.newBuilder();
    switch (op.getOpTypeCase()) {
      case SET -> {
        for (KeyValue kv : op.getSet().getPairsList()) {
          if (SparkConfDefaults.FIXED.contains(kv.getKey())) {
            throw new SparkError(Status.Code.INVALID_ARGUMENT, SparkError.ANALYSIS, "CANNOT_MODIFY_CONFIG",
                "46110", "cannot modify the value of the config '" + kv.getKey() + "': the Baton reference "
                    + "driver reads plans uncompressed", Map.of("key", kv.getKey()));
          }
          if (!kv.hasValue()) {
            throw SparkError.invalidPlan("config set of '" + kv.getKey() + "' without a value");
          }
          if (kv.getKey().isEmpty() || kv.getKey().length() > MAX_KEY_LENGTH
              || kv.getValue().length() > MAX_VALUE_LENGTH) {
            throw SparkError.invalidPlan("config keys are 1 to " + MAX_KEY_LENGTH + " characters and values at "
                + "most " + MAX_VALUE_LENGTH);
          }
        }
        java.util.Set<String> keys = new java.util.HashSet<>(state.conf().keySet());
        op.getSet().getPairsList().forEach(kv -> keys.add(kv.getKey()));
        if (keys.size() > MAX_KEYS) {
          throw new SparkError(Status.Code.RESOURCE_EXHAUSTED, SparkError.ILLEGAL_ARGUMENT, "CONFIG_LIMIT",
              "54000", "a session keeps at most " + MAX_KEYS + " Spark config keys; unset some first", Map.of());
        }
        for (KeyValue kv : op.getSet().getPairsList()) {
          state.set(kv.getKey(), kv.getValue());
        }
      }
      case GET -> {
        for (String key : op.getGet().getKeysList()) {
          String v = value(state, key);
          if (v == null) {
            throw new SparkError(Status.Code.NOT_FOUND, SparkError.NO_SUCH_ELEMENT, "SQL_CONF_NOT_FOUND", "42K0I",
                "the SQL config \"" + key + "\" cannot be found", Map.of("sqlConf", "\"" + key + "\""));
          }
          out.addPairs(KeyValue.newBuilder().setKey(key).setValue(v));
        }
      }
      case GET_WITH_DEFAULT -> {
        for (KeyValue kv : op.getGetWithDefault().getPairsList()) {
          String v = value(state, kv.getKey());
          KeyValue.Builder pair = KeyValue.newBuilder().setKey(kv.getKey());
          if (v != null) {
            pair.setValue(v);
          } else if (kv.hasValue()) {
            pair.setValue(kv.getValue());
          }
          out.addPairs(pair);
        }
      }
      case GET_OPTION -> {
        for (String key : op.getGetOption().getKeysList()) {
          String v = value(state, key);
          KeyValue.Builder pair = KeyValue.newBuilder().setKey(key);
          if (v != null) {
            pair.setValue(v);
          }
          out.addPairs(pair);
        }
      }
      case GET_ALL -> {
        String prefix = op.getGetAll().hasPrefix() ? op.getGetAll().getPrefix() : "";
        Map<String, String> all = new TreeMap<>(SparkConfDefaults.DEFAULTS);
        all.putAll(state.conf());
        all.forEach((k, v) -> {
          if (k.startsWith(prefix)) {
            out.addPairs(KeyValue.newBuilder().setKey(k).setValue(v));
          }
        });
      }
      case UNSET -> state.unset(op.getUnset().getKeysList());
      case IS_MODIFIABLE -> {
        List<KeyValue> pairs = new ArrayList<>();
        for (String key : op.getIsModifiable().getKeysList()) {
          pairs.add(KeyValue.newBuilder().setKey(key)
              .setValue(String.valueOf(!SparkConfDefaults.FIXED.contains(key))).build());
        }
        out.addAllPairs(pairs);
      }
      default -> throw SparkError.invalidPlan("a config call with no operation");
    }
    return out;
  }

  private static String value(SparkSessionState state, String key) {
    String v = state.get(key);
    return v != null ? v : SparkConfDefaults.DEFAULTS.get(key);
  }
}

package dev.baton.operator.pool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.model.DriverSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * A pool's revision: a hash of the driver spec as the user wrote it, normalised (nulls, empty
 * lists and empty objects dropped, keys sorted). Defaults are not part of it: the schema defines
 * none under spec.driver, and the operator applies its own when it builds the pod. So upgrading
 * Baton itself never changes a revision and never restarts a pool.
 */
public final class RevisionHasher {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private RevisionHasher() {}

  public static String revision(DriverSpec driver) {
    return revision(driver, null);
  }

  /**
   * The revision of a driver spec under a restart annotation: a new annotation value is a new
   * revision, so a restart rolls through the same handoff as an upgrade. Without the annotation
   * the hash is that of the spec alone, so pools that never used it keep their revision.
   */
  public static String revision(DriverSpec driver, String restartedAt) {
    JsonNode tree = normalise(MAPPER.valueToTree(driver));
    if (tree instanceof ObjectNode o && "Reference".equals(o.path("kind").asText(null))) {
      o.remove("kind"); // the default kind written out is the same driver: no new revision
    }
    if (restartedAt != null && !restartedAt.isEmpty()) {
      ObjectNode withRestart = tree == null ? MAPPER.createObjectNode() : ((ObjectNode) tree).deepCopy();
      withRestart.put("restartedAt", restartedAt);
      tree = withRestart;
    }
    try {
      String canonical = MAPPER.writeValueAsString(sortKeys(tree));
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 10);
    } catch (Exception e) {
      throw new IllegalStateException("cannot hash driver spec", e);
    }
  }

  /** Drops nulls, empty arrays and empty objects, recursively; null if nothing is left. */
  static JsonNode normalise(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isObject()) {
      ObjectNode out = MAPPER.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode v = normalise(e.getValue());
        if (v != null) {
          out.set(e.getKey(), v);
        }
      }
      return out.isEmpty() ? null : out;
    }
    if (node.isArray()) {
      ArrayNode out = MAPPER.createArrayNode();
      for (JsonNode item : node) {
        JsonNode v = normalise(item);
        if (v != null) {
          out.add(v);
        }
      }
      return out.isEmpty() ? null : out;
    }
    return node;
  }

  private static JsonNode sortKeys(JsonNode node) {
    if (node == null) {
      return MAPPER.createObjectNode();
    }
    if (node.isObject()) {
      ObjectNode out = MAPPER.createObjectNode();
      var names = new java.util.TreeSet<String>();
      node.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        out.set(n, sortKeys(node.get(n)));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = MAPPER.createArrayNode();
      node.forEach(i -> out.add(sortKeys(i)));
      return out;
    }
    return node;
  }
}

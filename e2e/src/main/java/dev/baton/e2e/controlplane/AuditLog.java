package dev.baton.e2e.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the apiserver's audit log: which identity wrote what. */
public final class AuditLog {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One completed write request. */
  public record Write(String user, String verb, String resource, String namespace, String name) {}

  private AuditLog() {}

  /**
   * Writes completed by {@code user} (the impersonated identity when impersonation was used),
   * from line {@code fromLine} of the log on.
   */
  public static List<Write> writesBy(Path log, String user, int fromLine) throws IOException {
    List<Write> out = new ArrayList<>();
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    for (int i = fromLine; i < lines.size(); i++) {
      JsonNode e = MAPPER.readTree(lines.get(i));
      if (!"ResponseComplete".equals(e.path("stage").asText())) {
        continue;
      }
      String who = e.has("impersonatedUser") ? e.path("impersonatedUser").path("username").asText()
          : e.path("user").path("username").asText();
      if (user.equals(who)) {
        JsonNode ref = e.path("objectRef");
        out.add(new Write(who, e.path("verb").asText(), ref.path("resource").asText() + subresource(ref),
            ref.path("namespace").asText(), ref.path("name").asText()));
      }
    }
    return out;
  }

  private static String subresource(JsonNode ref) {
    return ref.has("subresource") ? "/" + ref.path("subresource").asText() : "";
  }

  /** Lines in the log now: a mark to count from. */
  public static int lines(Path log) throws IOException {
    return Files.exists(log) ? Files.readAllLines(log).size() : 0;
  }
}

package dev.baton.gateway;

import java.util.Map;
import java.util.Optional;

/** Turns a bearer token into the principal it proves. */
public interface CallerAuthenticator {
  Optional<String> principal(String token);

  /** Fixed tokens (token → principal): for benchmarks and tools without Kubernetes. */
  static CallerAuthenticator fixed(Map<String, String> tokens) {
    return token -> Optional.ofNullable(token == null ? null : tokens.get(token));
  }
}

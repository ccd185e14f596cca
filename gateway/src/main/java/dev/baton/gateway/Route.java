package dev.baton.gateway;

/**
 * Where a session's calls go, as the gateway knows it from the session's ClientSession.
 *
 * @param phase the ClientSession phase (Bound, Migrating, ...)
 * @param endpoint the driver's host:port while Bound
 */
public record Route(String sessionId, String namespace, String name, String principal, String phase,
    String endpoint) {}

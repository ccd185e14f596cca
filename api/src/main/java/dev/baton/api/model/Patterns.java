package dev.baton.api.model;

/** Value formats shared by the custom resources' schemas. */
final class Patterns {
  /** A duration such as 30s, 5m, 1h30m or 500ms. */
  static final String DURATION = "^([0-9]+(ms|s|m|h))+$";
  /** A Kubernetes memory quantity such as 512Mi or 2Gi. */
  static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$";
  /** A DNS-1123 label: the name of a pool or another object in the same namespace. */
  static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
  /** An image reference: [registry/]repository[:tag][@digest]. */
  static final String IMAGE = "^[a-zA-Z0-9][a-zA-Z0-9._/:@-]*$";

  /** A session id a client chose: Spark Connect's, a lowercase UUID. */
  static final String CLIENT_SESSION_ID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

  private Patterns() {}
}

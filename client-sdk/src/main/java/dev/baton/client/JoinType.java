package dev.baton.client;

import dev.baton.proto.v1.Join;

/** Join types, as in SQL. */
public enum JoinType {
  INNER(Join.JoinType.INNER),
  LEFT(Join.JoinType.LEFT),
  RIGHT(Join.JoinType.RIGHT),
  FULL(Join.JoinType.FULL),
  SEMI(Join.JoinType.SEMI),
  ANTI(Join.JoinType.ANTI);

  private final Join.JoinType proto;

  JoinType(Join.JoinType proto) {
    this.proto = proto;
  }

  Join.JoinType proto() {
    return proto;
  }
}

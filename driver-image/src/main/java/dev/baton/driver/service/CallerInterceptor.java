package dev.baton.driver.service;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Reads who is calling ({@code baton-principal}) and for which session ({@code baton-session-id})
 * from the request headers into the call's context. The gateway sets the principal after it has
 * authenticated the caller.
 */
public final class CallerInterceptor implements ServerInterceptor {
  public static final Metadata.Key<String> PRINCIPAL =
      dev.baton.proto.v1.Headers.PRINCIPAL;
  public static final Metadata.Key<String> SESSION_ID =
      dev.baton.proto.v1.Headers.SESSION_ID;
  static final Context.Key<String> PRINCIPAL_KEY = Context.key("baton-principal");
  static final Context.Key<String> SESSION_KEY = Context.key("baton-session-id");

  /** The principal the call's headers name, or null. */
  public static String principalOfCall() {
    return PRINCIPAL_KEY.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Context ctx = Context.current()
        .withValue(PRINCIPAL_KEY, headers.get(PRINCIPAL))
        .withValue(SESSION_KEY, headers.get(SESSION_ID));
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}

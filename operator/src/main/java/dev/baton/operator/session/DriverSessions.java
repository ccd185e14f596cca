package dev.baton.operator.session;

import dev.baton.api.model.ViewSpec;
import dev.baton.proto.v1.CloseSessionRequest;
import dev.baton.proto.v1.CreateViewRequest;
import dev.baton.proto.v1.GetConfigRequest;
import dev.baton.proto.v1.OpenSessionRequest;
import dev.baton.proto.v1.Plan;
import dev.baton.proto.v1.Relation;
import dev.baton.proto.v1.SessionServiceGrpc;
import dev.baton.proto.v1.Sql;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Opens, inspects and closes declared sessions on drivers, acting as their principal. */
public final class DriverSessions {
  private final dev.baton.operator.pool.DriverProber prober;

  public DriverSessions(dev.baton.operator.pool.DriverProber prober) {
    this.prober = prober;
  }

  private <T> T withSession(String ip, String token, String principal,
      java.util.function.Function<SessionServiceGrpc.SessionServiceBlockingStub, T> call) {
    try {
      return call.apply(prober.sessions(ip, token, principal).withDeadlineAfter(30, TimeUnit.SECONDS));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      // A reference driver of an older version serves its session API on the main port only.
      return call.apply(prober.sessionsOnMainPort(ip, token, principal).withDeadlineAfter(30, TimeUnit.SECONDS));
    }
  }

  /** Opens the session with its id, config and views; an already open session is fine. */
  public void open(String ip, String token, String sessionId, String principal, Map<String, String> config, List<ViewSpec> views) {
    withSession(ip, token, principal, stub -> {
      boolean openedNow = false;
      try {
        stub.openSession(OpenSessionRequest.newBuilder().setSessionId(sessionId).putAllConfig(config)
            .setClientType("baton-operator").build());
        openedNow = true;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
        // Open already: only if it is this principal's (the driver refuses another's session).
        try {
          stub.getConfig(GetConfigRequest.newBuilder().setSessionId(sessionId).build());
        } catch (StatusRuntimeException owner) {
          if (owner.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
            throw Status.FAILED_PRECONDITION.withDescription("session id " + sessionId + " is already open on "
                + "driver " + ip + " for another principal").asRuntimeException();
          }
          throw owner;
        }
      }
      try {
        for (ViewSpec v : views) {
          stub.createView(CreateViewRequest.newBuilder().setSessionId(sessionId).setName(v.getName()).setReplace(true)
              .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder().setSql(Sql.newBuilder().setQuery(v.getSql()))))
              .build());
        }
      } catch (StatusRuntimeException e) {
        // A session opened just now without its declared views must not look Bound later:
        // close it, the next try starts clean. (One that already existed keeps its state.)
        if (openedNow) {
          try {
            stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(sessionId).build());
          } catch (StatusRuntimeException ignored) {
            // unreachable driver: the next reconcile re-places the session anyway
          }
        }
        throw e;
      }
      return null;
    });
  }

  /** Closes the session; one that is already gone is fine. */
  public void close(String ip, String token, String sessionId, String principal) {
    withSession(ip, token, principal, stub -> {
      try {
        stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(sessionId).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
      return null;
    });
  }
}

package dev.baton.gateway;

import io.grpc.Status;
import java.util.Collection;

/**
 * How many sessions may be open through a pool's gateway: per principal, and in all. Decided
 * from the gateway's directory, so replicas may each admit one more in the same instant: the
 * limits are a fair share, not an exact count (drivers' own {@code maxPerDriver} is exact).
 *
 * @param maxPerPrincipal sessions one principal may hold in the pool (0: no limit)
 * @param maxTotal sessions the pool holds in all (0: no limit)
 */
public record SessionQuota(int maxPerPrincipal, int maxTotal) {
  public static final SessionQuota NONE = new SessionQuota(0, 0);

  /** Null when {@code principal} may open one more session; otherwise why not. */
  public Status refusal(Collection<Route> routes, String principal) {
    return refusal(routes, principal, 0, 0);
  }

  /**
   * As {@link #refusal(Collection, String)}, counting also sessions this gateway is creating and
   * does not see yet: {@code pendingMine} of the principal's, {@code pendingAll} in all.
   */
  public Status refusal(Collection<Route> routes, String principal, int pendingMine, int pendingAll) {
    int mine = pendingMine;
    int all = pendingAll;
    for (Route r : routes) {
      if ("Closed".equals(r.phase()) || "Failed".equals(r.phase())) {
        continue;
      }
      all++;
      if (r.principal().equals(principal)) {
        mine++;
      }
    }
    if (maxPerPrincipal > 0 && mine >= maxPerPrincipal) {
      return Status.RESOURCE_EXHAUSTED.withDescription(principal + " holds its maximum of " + maxPerPrincipal
          + " sessions in this pool; close one first");
    }
    if (maxTotal > 0 && all >= maxTotal) {
      return Status.RESOURCE_EXHAUSTED.withDescription("the pool holds its maximum of " + maxTotal
          + " sessions; retry later");
    }
    return null;
  }
}

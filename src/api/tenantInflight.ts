// Requests in flight per tenant, from the moment the token is verified until the response
// ends: one tenant (a stolen token, a client stuck in a retry loop, bodies trickled a byte at a
// time) can hold at most `max` of the process's requests, whatever the rate limits allow.
export interface TenantInflight {
  /** Counts one in; undefined when the tenant is at its cap. The returned leave is idempotent. */
  enter(userHash: string): (() => void) | undefined;
}

export function createTenantInflight(max: number): TenantInflight {
  const counts = new Map<string, number>();
  return {
    enter(userHash) {
      const n = counts.get(userHash) ?? 0;
      if (n >= max) return undefined;
      counts.set(userHash, n + 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const now = (counts.get(userHash) ?? 1) - 1;
        if (now <= 0) counts.delete(userHash);
        else counts.set(userHash, now);
      };
    },
  };
}

// A cap on what one tenant holds open at once, whatever the transport: subscriptions and
// event streams (graphql-ws and graphql-sse share one cap), requests in flight (bodies still
// arriving included), exports. One tenant can hold at most its share of the process.
export interface TenantCap {
  /** Counts one open for the tenant, or undefined at the cap; the release is idempotent. */
  open(userHash: string): (() => void) | undefined;
  total(): number;
  readonly maxPerTenant: number;
}

export function createTenantCap(maxPerTenant: number): TenantCap {
  const open = new Map<string, number>();
  return {
    maxPerTenant,
    open(userHash) {
      const n = open.get(userHash) ?? 0;
      if (n >= maxPerTenant) return undefined;
      open.set(userHash, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userHash) ?? 1) - 1;
        if (left <= 0) open.delete(userHash);
        else open.set(userHash, left);
      };
    },
    total: () => [...open.values()].reduce((a, b) => a + b, 0),
  };
}

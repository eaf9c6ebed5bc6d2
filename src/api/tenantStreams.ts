// Open subscriptions and event streams per tenant, counted across transports (graphql-ws
// and graphql-sse): one cap, however a client connects.
export interface TenantStreams {
  /** Counts one open stream for the tenant, or undefined at the cap; call the release once. */
  open(userHash: string): (() => void) | undefined;
  total(): number;
  readonly maxPerTenant: number;
}

export function createTenantStreams(maxPerTenant: number): TenantStreams {
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

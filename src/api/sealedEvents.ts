// Sealed-chunk notifications, dispatched by tenant in memory: a subscriber hears only the
// ids its own tenant's seals announced (see notifyChunksSealed), so one tenant's ingest
// costs other tenants' subscribers nothing, not even a database read.
import type { NotificationHub } from "../db/notificationHub.ts";
import { userHashPrefix } from "../logger.ts";
import { CHUNK_SEALED_CHANNEL, parseChunksSealed } from "../sql/chunkSealedChannel.ts";

export interface SealedEvents {
  /** Calls fn with each batch of ids sealed for this tenant until the returned function is called. */
  subscribe(userHash: string, fn: (ids: string[]) => void): () => void;
  /** Subscribers right now (a gauge for operators). */
  count(): number;
  close(): void;
}

export function createSealedEvents(hub: NotificationHub): SealedEvents {
  const byTenant = new Map<string, Set<(ids: string[]) => void>>();
  const off = hub.on(CHUNK_SEALED_CHANNEL, (payload) => {
    const event = parseChunksSealed(payload);
    if (!event) return;
    for (const fn of byTenant.get(event.tenantPrefix) ?? []) fn(event.ids);
  });
  return {
    subscribe(userHash, fn) {
      const prefix = userHashPrefix(userHash);
      let set = byTenant.get(prefix);
      if (!set) byTenant.set(prefix, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) byTenant.delete(prefix);
      };
    },
    count: () => [...byTenant.values()].reduce((n, set) => n + set.size, 0),
    close: off,
  };
}

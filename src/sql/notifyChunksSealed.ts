import type pg from "pg";

import { CHUNK_SEALED_CHANNEL, IDS_PER_NOTIFY } from "./chunkSealedChannel.ts";

/**
 * NOTIFYs the ids sealed in this transaction (delivered when it commits), prefixed with the
 * tenant's log prefix, "<prefix>:<id>,<id>,...": a listener dispatches by tenant without a
 * database read and then reads only its own tenant's ids, under RLS. The prefix is the one
 * logs carry (12 hex digits of the HMAC), not the tenant key; a collision costs one read
 * that RLS answers with nothing.
 */
export async function notifyChunksSealed(client: pg.ClientBase, tenantPrefix: string, ids: string[]): Promise<void> {
  const payloads: string[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) payloads.push(`${tenantPrefix}:${ids.slice(i, i + IDS_PER_NOTIFY).join(",")}`);
  if (payloads.length > 0) await client.query(`select pg_catalog.pg_notify('${CHUNK_SEALED_CHANNEL}', p) from unnest($1::text[]) as p`, [payloads]);
}

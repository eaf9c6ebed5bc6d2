import type pg from "pg";

export const CHUNK_SEALED_CHANNEL = "memvault_chunk_sealed";

/** Ids per NOTIFY: 150 x 37 bytes stays well under PostgreSQL's 8,000-byte payload limit. */
const IDS_PER_NOTIFY = 150;

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

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const PAYLOAD = new RegExp(`^([0-9a-f]{12}):(${UUID}(?:,${UUID}){0,${IDS_PER_NOTIFY - 1}})$`);

/**
 * The other end: the tenant prefix and ids of one notification, or undefined when it is not
 * exactly what notifyChunksSealed sends. Any role that can connect may NOTIFY on this channel
 * (PostgreSQL has no privilege for it): a malformed payload is ignored, never an error that
 * would end a subscriber's stream, and the ids are only ever looked up under the subscriber's
 * own RLS (see sealedMemories), so a forged one delivers nothing that is not the tenant's.
 */
export function parseChunksSealed(payload: string): { tenantPrefix: string; ids: string[] } | undefined {
  const m = PAYLOAD.exec(payload);
  return m ? { tenantPrefix: m[1]!, ids: m[2]!.split(",") } : undefined;
}

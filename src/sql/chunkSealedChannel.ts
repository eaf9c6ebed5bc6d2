// memvault_chunk_sealed: what a seal transaction NOTIFYs and how a listener reads it,
// "<tenant log prefix>:<id>,<id>,..." (notifyChunksSealed.ts sends it).

export const CHUNK_SEALED_CHANNEL = "memvault_chunk_sealed";

/** Ids per NOTIFY: 150 x 37 bytes stays well under PostgreSQL's 8,000-byte payload limit. */
export const IDS_PER_NOTIFY = 150;

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

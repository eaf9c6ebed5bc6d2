import type pg from "pg";

/**
 * The rest of an erased tenant: its statistics row, any pending memory or search request
 * (a restore may bring them back), and the erased keys themselves if a restore brought
 * them back. Keys the tenant made after the erasure stay.
 */
export async function purgeTenantLeftovers(client: pg.ClientBase, userHash: string, erasedKeyIds: readonly string[]): Promise<void> {
  await client.query(
    `with s as (delete from memvault.memory_term_stats where user_hash = $1::text),
          i as (delete from memvault.chunk_ingest where user_hash = $1::text),
          r as (delete from memvault.search_requests where user_hash = $1::text)
     delete from memvault.tenant_keys where user_hash = $1::text and key_id = any($2::uuid[])`,
    [userHash, erasedKeyIds],
  );
}

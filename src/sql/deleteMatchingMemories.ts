import type pg from "pg";
import { deleteMemoryTerms } from "./deleteMemoryTerms.ts";
import { filterPredicates, type FilterHashes } from "./chunkFilter.ts";

/**
 * Deletes the current tenant's memories matching the filter, pending and sealed, with every
 * version of each; returns how many memories. The caller holds the tenant's writes
 * exclusively (lockTenantWrites), so no update or seal moves a version meanwhile. A memory
 * matches when any of its versions does: a pending replacement (an update waiting for the
 * worker) that matches takes its sealed version with it, and a sealed one that matches takes
 * its pending replacement, whatever that one's own labels or created_at say.
 */
export async function deleteMatchingMemories(client: pg.ClientBase, userHash: string, filter: FilterHashes): Promise<number> {
  const ids = new Set<string>();
  const pendingParams: unknown[] = [userHash];
  const pending = await client.query<{ id: string }>(
    `delete from memvault.chunk_ingest where user_hash = $1::text ${filterPredicates(filter, pendingParams, "chunk_ingest", "$1")} returning id::text`,
    pendingParams,
  );
  for (const r of pending.rows) ids.add(r.id);
  // Their labels go with them (memory_labels' foreign key cascades); their terms just below.
  const sealedParams: unknown[] = [userHash, [...ids]];
  const sealed = await client.query<{ id: string }>(
    `delete from memvault.memory_chunks where user_hash = $1::text and ((true ${filterPredicates(filter, sealedParams, "memory_chunks", "$1")}) or id = any($2::uuid[])) returning id::text`,
    sealedParams,
  );
  for (const r of sealed.rows) ids.add(r.id);
  await client.query("delete from memvault.chunk_ingest where user_hash = $1::text and id = any($2::uuid[])", [userHash, sealed.rows.map((r) => r.id)]);
  await deleteMemoryTerms(client, userHash, sealed.rows.map((r) => r.id));
  return ids.size;
}

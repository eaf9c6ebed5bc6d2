import type pg from "pg";
import { filterPredicates, type FilterHashes } from "./chunkFilter.ts";

/**
 * Deletes the current tenant's memories matching the filter, pending and sealed; returns
 * how many. Pending first, in its own statement, for the reason deleteMemory gives: a seal
 * job holding a matching row is waited for, and the second statement then sees what it sealed.
 */
export async function deleteMatchingMemories(client: pg.ClientBase, userHash: string, filter: FilterHashes): Promise<number> {
  let total = 0;
  for (const table of ["chunk_ingest", "memory_chunks"] as const) {
    // Their labels go with them (memory_labels' foreign key cascades).
    const params: unknown[] = [userHash];
    const { rowCount } = await client.query(`delete from memvault.${table} where user_hash = $1::text ${filterPredicates(filter, params, table, "$1")}`, params);
    total += rowCount ?? 0;
  }
  return total;
}

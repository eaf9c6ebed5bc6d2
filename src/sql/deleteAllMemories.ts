import type pg from "pg";

/**
 * Deletes everything of the current tenant (userHash must be it: RLS shows no other); returns counts per table. The ingest rows go
 * first, in their own statement, for the reason deleteMemory gives: every row a seal job
 * was moving is then either deleted here or visible to the memory_chunks statement.
 */
export async function deleteAllMemories(client: pg.ClientBase, userHash: string): Promise<{ sealed: number; pending: number; searches: number }> {
  // user_hash = $1: on Citus, memory_chunks' statement goes to this tenant's shard alone.
  const pending = await client.query("delete from memvault.chunk_ingest where user_hash = $1::text", [userHash]);
  const sealed = await client.query("delete from memvault.memory_chunks where user_hash = $1::text", [userHash]);
  const searches = await client.query("delete from memvault.search_requests where user_hash = $1::text", [userHash]);
  // No memory left: no keyword terms, no statistics.
  await client.query("delete from memvault.memory_terms where user_hash = $1::text", [userHash]);
  await client.query("delete from memvault.memory_term_stats where user_hash = $1::text", [userHash]);
  return { sealed: sealed.rowCount ?? 0, pending: pending.rowCount ?? 0, searches: searches.rowCount ?? 0 };
}

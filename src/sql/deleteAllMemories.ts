import type pg from "pg";

/**
 * Deletes everything of the current tenant; returns counts per table. The ingest rows go
 * first, in their own statement, for the reason deleteMemory gives: every row a seal job
 * was moving is then either deleted here or visible to the memory_chunks statement.
 */
export async function deleteAllMemories(client: pg.ClientBase): Promise<{ chunks: number; pending: number; searches: number }> {
  const pending = await client.query("delete from memvault.chunk_ingest");
  const chunks = await client.query("delete from memvault.memory_chunks");
  const searches = await client.query("delete from memvault.search_requests");
  return { chunks: chunks.rowCount ?? 0, pending: pending.rowCount ?? 0, searches: searches.rowCount ?? 0 };
}

import type pg from "pg";

/**
 * Deletes one memory of the current tenant, every version of it (sealed, and a new one or an
 * update still waiting); returns 1 when there was one, else 0.
 * Two statements, in this order, on purpose: the first waits for a seal job holding the
 * ingest row (and then finds it gone); the second runs on a snapshot taken after that
 * job committed, so it sees the sealed row. One statement would miss it (its snapshot
 * predates the seal), and the memory would reappear. Its length row is read just before the
 * sealed row goes (and its keyword terms with it, by the foreign key), and the tenant's BM25
 * statistics lose that memory.
 */
export async function deleteMemory(client: pg.ClientBase, userHash: string, id: string): Promise<number> {
  const pending = await client.query("delete from memvault.chunk_ingest where user_hash = $2::text and id = $1::uuid", [id, userHash]);
  const { rows } = await client.query<{ memory_length: number }>(
    "select memory_length from memvault.memory_terms where user_hash = $1::text and term_hash = '\\x'::bytea and memory_id = $2::uuid",
    [userHash, id],
  );
  const sealed = await client.query("delete from memvault.memory_chunks where user_hash = $2::text and id = $1::uuid", [id, userHash]);
  if (sealed.rowCount && rows[0]) {
    await client.query("update memvault.memory_term_stats set documents = documents - 1, total_length = total_length - $2::bigint where user_hash = $1::text", [userHash, rows[0].memory_length]);
  }
  return (pending.rowCount ?? 0) + (sealed.rowCount ?? 0) > 0 ? 1 : 0;
}

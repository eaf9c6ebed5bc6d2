import type pg from "pg";

/** Deletes everything of the current tenant; returns counts per table. */
export async function deleteAllMemories(client: pg.ClientBase): Promise<{ chunks: number; pending: number; searches: number }> {
  const { rows } = await client.query<{ chunks: number; pending: number; searches: number }>(
    `with c as (delete from memvault.memory_chunks returning 1),
          i as (delete from memvault.chunk_ingest returning 1),
          s as (delete from memvault.search_requests returning 1)
     select (select count(*) from c)::integer as chunks, (select count(*) from i)::integer as pending,
            (select count(*) from s)::integer as searches`,
  );
  return rows[0] ?? { chunks: 0, pending: 0, searches: 0 };
}

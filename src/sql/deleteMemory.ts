import type pg from "pg";

/** Deletes one memory of the current tenant, sealed or still waiting; returns rows deleted. */
export async function deleteMemory(client: pg.ClientBase, id: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `with c as (delete from memvault.memory_chunks where id = $1::uuid returning 1),
          i as (delete from memvault.chunk_ingest where id = $1::uuid returning 1)
     select ((select count(*) from c) + (select count(*) from i))::integer as n`,
    [id],
  );
  return rows[0]?.n ?? 0;
}

import type pg from "pg";

/** Whether the current tenant has any memory, sealed or pending (a tenant from before per-tenant keys). */
export async function selectHasMemories(client: pg.ClientBase, userHash: string): Promise<boolean> {
  const { rows } = await client.query<{ has: boolean }>(
    `select exists (select 1 from memvault.memory_chunks where user_hash = $1::text)
         or exists (select 1 from memvault.chunk_ingest where user_hash = $1::text) as has`,
    [userHash],
  );
  return rows[0]!.has;
}

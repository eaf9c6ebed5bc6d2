import type pg from "pg";

/** How many of the current tenant's memories are still waiting for the worker. */
export async function countPendingMemories(client: pg.ClientBase, userHash: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>("select count(*)::integer as n from memvault.chunk_ingest where user_hash = $1::text", [userHash]);
  return rows[0]!.n;
}

import type pg from "pg";

/** Ids (bigint, as text) of the rollouts that are running or paused. */
export async function selectActiveRollouts(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>("select id::text as id from memvault.active_rerank_rollouts() as id");
  return rows.map((r) => r.id);
}

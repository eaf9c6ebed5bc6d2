import type pg from "pg";

/** Deletes samples more than a day older than the last window measured; returns how many. */
export async function pruneRerankSamples(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select memvault.prune_rerank_samples() as n");
  return Number(rows[0]!.n);
}

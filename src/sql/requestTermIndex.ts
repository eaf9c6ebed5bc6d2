import type pg from "pg";

/** Enqueues an index_terms job per tenant with unindexed memories (memvault.request_term_index: a superuser only). */
export async function requestTermIndex(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>("select memvault.request_term_index() as n");
  return rows[0]?.n ?? 0;
}

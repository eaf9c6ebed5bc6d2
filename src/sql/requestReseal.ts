import type pg from "pg";

/** Enqueues a reseal_chunks job per tenant (memvault.request_reseal: a superuser only). */
export async function requestReseal(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>("select memvault.request_reseal() as n");
  return rows[0]?.n ?? 0;
}

import type pg from "pg";

/** Chunks per key version, across every tenant (a superuser connection: RLS hides the rest). */
export async function selectKeyVersionUsage(client: pg.ClientBase): Promise<Map<number, number>> {
  const { rows } = await client.query<{ key_version: number; n: number }>(
    "select key_version, count(*)::integer as n from memvault.memory_chunks group by key_version",
  );
  return new Map(rows.map((r) => [r.key_version, r.n]));
}

export async function requestReseal(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>("select memvault.request_reseal() as n");
  return rows[0]?.n ?? 0;
}

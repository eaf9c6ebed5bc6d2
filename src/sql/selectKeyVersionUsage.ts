import type pg from "pg";

/** Chunks per key version (0: under their tenants' own keys), across every tenant (a superuser connection: RLS hides the rest). */
export async function selectKeyVersionUsage(client: pg.ClientBase): Promise<Map<number, number>> {
  const { rows } = await client.query<{ key_version: number; n: number }>(
    "select key_version, count(*)::integer as n from memvault.memory_chunks group by key_version",
  );
  return new Map(rows.map((r) => [r.key_version, r.n]));
}

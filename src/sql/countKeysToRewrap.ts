import type pg from "pg";

/** Data keys not wrapped under the primary KEK, across every tenant (a superuser: RLS hides the rest). */
export async function countKeysToRewrap(client: pg.ClientBase, primaryKekId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select count(*)::text as n from memvault.tenant_keys where kek_id <> $1::text", [primaryKekId]);
  return Number(rows[0]!.n);
}

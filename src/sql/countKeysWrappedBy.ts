import type pg from "pg";

/** Tenants' data keys wrapped under one KEK (e.g. keyring:3), across every tenant (a superuser). */
export async function countKeysWrappedBy(client: pg.ClientBase, kekId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>("select count(*)::text as n from memvault.tenant_keys where kek_id = $1::text", [kekId]);
  return Number(rows[0]!.n);
}

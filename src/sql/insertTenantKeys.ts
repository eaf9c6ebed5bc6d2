import type pg from "pg";
import type { WrappedKeyRow } from "./selectTenantKeys.ts";

/**
 * Stores a tenant's new wrapped keys; a version another transaction stored first is kept
 * (its key wins: the caller reads the keys back). A VALUES list, not INSERT … SELECT from
 * unnest: Citus plans the latter through the coordinator, where the rows are checked
 * against the policy without the transaction's tenant.
 */
export async function insertTenantKeys(client: pg.ClientBase, userHash: string, keys: WrappedKeyRow[]): Promise<void> {
  const params: unknown[] = [userHash];
  const rows = keys.map((k) => {
    params.push(k.version, k.keyId, k.kekId, k.wrapped);
    const n = params.length;
    return `($1::text, $${n - 3}::integer, $${n - 2}::uuid, $${n - 1}::text, $${n}::bytea)`;
  });
  await client.query(`insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped) values ${rows.join(", ")} on conflict (user_hash, version) do nothing`, params);
}

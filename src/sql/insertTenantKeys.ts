import type pg from "pg";
import type { WrappedKeyRow } from "./selectTenantKeys.ts";

/**
 * Stores a tenant's new wrapped keys; a version another transaction stored first is kept
 * (its key wins: the caller reads the keys back).
 */
export async function insertTenantKeys(client: pg.ClientBase, userHash: string, keys: WrappedKeyRow[]): Promise<void> {
  await client.query(
    `insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped)
     select $1::text, k.version, k.key_id, k.kek_id, k.wrapped
       from unnest($2::integer[], $3::uuid[], $4::text[], $5::bytea[]) as k(version, key_id, kek_id, wrapped)
     on conflict (user_hash, version) do nothing`,
    [userHash, keys.map((k) => k.version), keys.map((k) => k.keyId), keys.map((k) => k.kekId), keys.map((k) => k.wrapped)],
  );
}

import type pg from "pg";
import type { WrappedKeyRow } from "./selectTenantKeys.ts";

export type KeyToRewrap = WrappedKeyRow & { userHash: string };

/** The next `limit` data keys (by tenant, version) after `after` not wrapped under the primary KEK (a superuser). */
export async function selectKeysToRewrap(client: pg.ClientBase, primaryKekId: string, after: { userHash: string; version: number } | null, limit: number): Promise<KeyToRewrap[]> {
  const { rows } = await client.query<{ user_hash: string; version: number; key_id: string; kek_id: string; wrapped: Buffer }>(
    `select user_hash, version, key_id::text, kek_id, wrapped from memvault.tenant_keys
      where kek_id <> $1::text and (user_hash, version) > ($2::text, $3::integer)
      order by user_hash, version limit $4::integer`,
    [primaryKekId, after?.userHash ?? "", after?.version ?? -1, limit],
  );
  return rows.map((r) => ({ userHash: r.user_hash, version: r.version, keyId: r.key_id, kekId: r.kek_id, wrapped: r.wrapped }));
}

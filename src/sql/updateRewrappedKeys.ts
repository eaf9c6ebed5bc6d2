import type pg from "pg";

/**
 * Stores data keys rewrapped under a new KEK; each only if it is still wrapped as it was
 * read (an erasure or another rotation in between wins). Returns how many were stored.
 */
export async function updateRewrappedKeys(
  client: pg.ClientBase,
  keys: readonly { userHash: string; version: number; oldKekId: string; kekId: string; wrapped: Buffer }[],
): Promise<number> {
  const { rowCount } = await client.query(
    `update memvault.tenant_keys k set kek_id = r.kek_id, wrapped = r.wrapped
       from unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::bytea[]) as r(user_hash, version, old_kek_id, kek_id, wrapped)
      where k.user_hash = r.user_hash and k.version = r.version and k.kek_id = r.old_kek_id`,
    [keys.map((k) => k.userHash), keys.map((k) => k.version), keys.map((k) => k.oldKekId), keys.map((k) => k.kekId), keys.map((k) => k.wrapped)],
  );
  return rowCount ?? 0;
}

import type pg from "pg";

export interface WrappedKeyRow {
  version: number;
  keyId: string;
  kekId: string;
  wrapped: Buffer;
}

/**
 * The current tenant's wrapped data keys, and whether an erasure of it is still being
 * purged, in one round trip: every tenant transaction of the API and the worker starts with
 * it, so a key deleted by an erasure is gone for every process from that commit on. A
 * transaction whose tenant setting an earlier read cleared (TenantKeys.prepare) reads as
 * erasing too: it can see nothing of the tenant, its erasure record included.
 */
export async function selectTenantKeys(client: pg.ClientBase, userHash: string): Promise<{ keys: WrappedKeyRow[]; erasing: boolean }> {
  const { rows } = await client.query<{ version: number | null; key_id: string | null; kek_id: string | null; wrapped: Buffer | null; erasing: boolean }>(
    `select k.version, k.key_id::text as key_id, k.kek_id, k.wrapped, e.erasing
       from (select exists (select 1 from memvault.tenant_erasures x where x.user_hash = $1::text and x.purged_at is null)
                    or pg_catalog.current_setting('app.user_hash', true) is distinct from $1::text as erasing) e
       left join memvault.tenant_keys k on k.user_hash = $1::text
      order by k.version`,
    [userHash],
  );
  const keys = rows.filter((r) => r.version !== null).map((r) => ({ version: r.version!, keyId: r.key_id!, kekId: r.kek_id!, wrapped: r.wrapped! }));
  return { keys, erasing: rows[0]?.erasing === true };
}

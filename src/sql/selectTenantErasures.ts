import type pg from "pg";

export interface ErasureRow {
  erasureId: string;
  erasedAt: Date;
  keys: number;
  memories: number;
  purgedAt: Date | null;
  receipt: unknown;
}

/** The current tenant's erasures, newest first (an erasure still being purged hides the tenant's rows, its own included). */
export async function selectTenantErasures(client: pg.ClientBase, userHash: string): Promise<ErasureRow[]> {
  const { rows } = await client.query<{ erasure_id: string; erased_at: Date; keys: number; memories: string; purged_at: Date | null; receipt: unknown }>(
    `select erasure_id::text, erased_at, pg_catalog.cardinality(key_ids) as keys, memories_at_erasure::text as memories, purged_at, receipt
       from memvault.tenant_erasures where user_hash = $1::text order by erased_at desc`,
    [userHash],
  );
  return rows.map((r) => ({ erasureId: r.erasure_id, erasedAt: r.erased_at, keys: r.keys, memories: Number(r.memories), purgedAt: r.purged_at, receipt: r.receipt }));
}

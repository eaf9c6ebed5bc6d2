import type pg from "pg";

export interface TenantErasureRow {
  erasedAt: Date;
  keyIds: string[];
  memoriesAtErasure: number;
  purgedMemories: number;
  purgedAt: Date | null;
  receipt: unknown;
}

/** One of the current tenant's erasures, or undefined. */
export async function selectTenantErasure(client: pg.ClientBase, userHash: string, erasureId: string): Promise<TenantErasureRow | undefined> {
  const { rows } = await client.query<{ erased_at: Date; key_ids: string[]; memories_at_erasure: string; purged_memories: string; purged_at: Date | null; receipt: unknown }>(
    `select erased_at, key_ids::text[] as key_ids, memories_at_erasure::text, purged_memories::text, purged_at, receipt
       from memvault.tenant_erasures where user_hash = $1::text and erasure_id = $2::uuid`,
    [userHash, erasureId],
  );
  const r = rows[0];
  return r && { erasedAt: r.erased_at, keyIds: r.key_ids, memoriesAtErasure: Number(r.memories_at_erasure), purgedMemories: Number(r.purged_memories), purgedAt: r.purged_at, receipt: r.receipt };
}

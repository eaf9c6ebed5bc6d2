import type pg from "pg";

/** Adds to an erasure's purged count; with a receipt, marks it purged (the tenant may then write again). */
export async function recordPurgeProgress(client: pg.ClientBase, userHash: string, erasureId: string, purged: number, done?: { purgedAt: Date; receipt: unknown }): Promise<void> {
  await client.query(
    `update memvault.tenant_erasures
        set purged_memories = purged_memories + $3::bigint,
            purged_at = coalesce($4::timestamptz, purged_at),
            receipt = coalesce($5::jsonb, receipt)
      where user_hash = $1::text and erasure_id = $2::uuid`,
    [userHash, erasureId, purged, done?.purgedAt ?? null, done ? JSON.stringify(done.receipt) : null],
  );
}

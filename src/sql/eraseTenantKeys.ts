import type pg from "pg";

/**
 * Deletes the current tenant's wrapped keys, pending memories and search requests, records
 * the erasure and enqueues its purge (memvault.erase_tenant); returns when, and how many
 * sealed memories the purge will delete.
 */
export async function eraseTenantKeys(client: pg.ClientBase, erasureId: string, keyIds: readonly string[], recordedAt?: string): Promise<{ erasedAt: Date; memories: number }> {
  const { rows } = await client.query<{ erased_at: Date; memories: string }>(
    "select erased_at, memories::text from memvault.erase_tenant($1::uuid, $2::uuid[], $3::timestamptz)",
    [erasureId, keyIds, recordedAt ?? null],
  );
  return { erasedAt: rows[0]!.erased_at, memories: Number(rows[0]!.memories) };
}

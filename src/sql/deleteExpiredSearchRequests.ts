import type pg from "pg";

/** Deletes the current tenant's requests older than the retention; returns the oldest left. */
export async function deleteExpiredSearchRequests(client: pg.ClientBase, retentionSeconds: number): Promise<{ deleted: number; oldestLeft: Date | null }> {
  const del = await client.query(
    "delete from memvault.search_requests where created_at < now() - make_interval(secs => $1::integer)",
    [retentionSeconds],
  );
  const { rows } = await client.query<{ oldest: Date | null }>("select min(created_at) as oldest from memvault.search_requests");
  return { deleted: del.rowCount ?? 0, oldestLeft: rows[0]?.oldest ?? null };
}

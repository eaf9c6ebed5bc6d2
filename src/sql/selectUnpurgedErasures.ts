import type pg from "pg";

/** Of these (tenant, erasure) pairs, those the database does not hold as purged (memvault.unpurged_erasures). */
export async function selectUnpurgedErasures(client: pg.ClientBase, pairs: readonly { userHash: string; erasureId: string }[]): Promise<{ userHash: string; erasureId: string }[]> {
  const { rows } = await client.query<{ user_hash: string; erasure_id: string }>(
    "select user_hash, erasure_id::text from memvault.unpurged_erasures($1::text[], $2::uuid[])",
    [pairs.map((p) => p.userHash), pairs.map((p) => p.erasureId)],
  );
  return rows.map((r) => ({ userHash: r.user_hash, erasureId: r.erasure_id }));
}

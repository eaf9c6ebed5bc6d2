import type pg from "pg";

export interface UnpurgedErasure {
  userHash: string;
  erasureId: string;
  /** The database holds the erasure, its purge unfinished; otherwise it does not know it (a restored backup). */
  known: boolean;
}

/** Of these (tenant, erasure) pairs, those the database does not hold as purged (memvault.unpurged_erasures). */
export async function selectUnpurgedErasures(client: pg.ClientBase, pairs: readonly { userHash: string; erasureId: string }[]): Promise<UnpurgedErasure[]> {
  const { rows } = await client.query<{ user_hash: string; erasure_id: string; known: boolean }>(
    "select user_hash, erasure_id::text, known from memvault.unpurged_erasures($1::text[], $2::uuid[])",
    [pairs.map((p) => p.userHash), pairs.map((p) => p.erasureId)],
  );
  return rows.map((r) => ({ userHash: r.user_hash, erasureId: r.erasure_id, known: r.known }));
}

import type pg from "pg";
import { recountTermStats } from "./recountTermStats.ts";

/** Deletes up to `limit` of the current tenant's expired memories; returns how many. */
export async function deleteExpiredMemories(client: pg.ClientBase, userHash: string, limit: number): Promise<number> {
  const { rowCount } = await client.query(
    `delete from memvault.memory_chunks where user_hash = $1::text and id in (
       select id from memvault.memory_chunks where user_hash = $1::text and expires_at <= now() limit $2::integer)`,
    [userHash, limit],
  );
  if (rowCount) await recountTermStats(client, userHash);
  return rowCount ?? 0;
}

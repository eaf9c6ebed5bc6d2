import type pg from "pg";
import { deleteMemoryTerms } from "./deleteMemoryTerms.ts";

/** Deletes up to `limit` of the current tenant's expired memories, and their keyword terms; returns how many. */
export async function deleteExpiredMemories(client: pg.ClientBase, userHash: string, limit: number): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `delete from memvault.memory_chunks where user_hash = $1::text and id in (
       select id from memvault.memory_chunks where user_hash = $1::text and expires_at <= now() limit $2::integer) returning id::text`,
    [userHash, limit],
  );
  await deleteMemoryTerms(client, userHash, rows.map((r) => r.id));
  return rows.length;
}

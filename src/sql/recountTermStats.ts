import type pg from "pg";

/**
 * Sets the tenant's BM25 statistics from its length rows, after deletes that went by filter
 * (forgetMatching, expiry). The stats row is locked first, so a seal committing meanwhile is
 * either counted here or adds its own difference afterwards: nothing is lost either way.
 */
export async function recountTermStats(client: pg.ClientBase, userHash: string): Promise<void> {
  await client.query("select 1 from memvault.memory_term_stats where user_hash = $1::text for update", [userHash]);
  const { rows } = await client.query<{ documents: string; total_length: string }>(
    "select count(*)::text as documents, coalesce(sum(memory_length), 0)::text as total_length from memvault.memory_terms where user_hash = $1::text and term_hash = '\\x'::bytea",
    [userHash],
  );
  await client.query("update memvault.memory_term_stats set documents = $2::bigint, total_length = $3::bigint where user_hash = $1::text", [userHash, rows[0]!.documents, rows[0]!.total_length]);
}

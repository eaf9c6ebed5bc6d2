import type pg from "pg";
import { TERM_HASH_BYTES } from "../crypto/blindIndex.ts";

/**
 * Deletes the keyword index of these memories of the current tenant, in the caller's
 * transaction (every path that deletes or replaces memories calls it): each one's length row,
 * which lists its terms, then those term rows through the primary key; the tenant's BM25
 * statistics lose what was deleted. Memories without an index (sealed before it existed, or
 * with KEYWORD_INDEX off) have nothing to delete.
 */
export async function deleteMemoryTerms(client: pg.ClientBase, userHash: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await client.query<{ memory_id: string; memory_length: number; term_hashes: Buffer | null }>(
    `delete from memvault.memory_terms where user_hash = $1::text and term_hash = '\\x'::bytea and memory_id = any($2::uuid[])
     returning memory_id::text, memory_length, term_hashes`,
    [userHash, ids],
  );
  if (rows.length === 0) return;
  const pairs = rows.flatMap((r) => {
    const list = r.term_hashes ?? Buffer.alloc(0);
    return Array.from({ length: list.length / TERM_HASH_BYTES }, (_, i) => ({ hash: list.subarray(i * TERM_HASH_BYTES, (i + 1) * TERM_HASH_BYTES), id: r.memory_id }));
  });
  if (pairs.length > 0) {
    await client.query(
      `delete from memvault.memory_terms t where t.user_hash = $1::text
         and (t.term_hash, t.memory_id) in (select d.term_hash, d.memory_id from unnest($2::bytea[], $3::uuid[]) as d(term_hash, memory_id))`,
      [userHash, pairs.map((p) => p.hash), pairs.map((p) => p.id)],
    );
  }
  await client.query("update memvault.memory_term_stats set documents = documents - $2::bigint, total_length = total_length - $3::bigint where user_hash = $1::text", [
    userHash,
    rows.length,
    rows.reduce((sum, r) => sum + r.memory_length, 0),
  ]);
}

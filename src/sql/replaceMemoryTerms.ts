import type pg from "pg";

/** One memory's keyword index: its distinct term hashes with their frequencies, and its length in terms. */
export interface MemoryTerms {
  id: string;
  hashes: Buffer[];
  frequencies: number[];
  length: number;
}

/** Term rows per INSERT, as arrays (five parameters per statement whatever the count). */
const TERMS_PER_STATEMENT = 50_000;

/**
 * Replaces the keyword index of these memories of the current tenant (sealed in this
 * transaction): their old rows go (a replaced version's terms describe its old text), then,
 * unless `memories` is null (KEYWORD_INDEX=false), one row per distinct term and one length
 * row (the empty hash) each. Rows as arrays through unnest: one statement for a whole batch,
 * a router insert into the tenant's shard on Citus (the tenant key is a parameter).
 */
export async function replaceMemoryTerms(client: pg.ClientBase, userHash: string, ids: string[], memories: MemoryTerms[] | null): Promise<void> {
  if (ids.length === 0) return;
  await client.query("delete from memvault.memory_terms where user_hash = $1::text and memory_id = any($2::uuid[])", [userHash, ids]);
  if (!memories) return;
  const rows = memories.flatMap((m) => [
    { id: m.id, hash: Buffer.alloc(0), frequency: m.length, length: m.length },
    ...m.hashes.map((hash, i) => ({ id: m.id, hash, frequency: m.frequencies[i]!, length: m.length })),
  ]);
  for (let start = 0; start < rows.length; start += TERMS_PER_STATEMENT) {
    const batch = rows.slice(start, start + TERMS_PER_STATEMENT);
    await client.query(
      `insert into memvault.memory_terms (user_hash, term_hash, memory_id, frequency, memory_length)
       select $1::text, t.term_hash, t.memory_id, t.frequency, t.memory_length
       from unnest($2::bytea[], $3::uuid[], $4::integer[], $5::integer[]) as t(term_hash, memory_id, frequency, memory_length)`,
      [userHash, batch.map((r) => r.hash), batch.map((r) => r.id), batch.map((r) => r.frequency), batch.map((r) => r.length)],
    );
  }
}

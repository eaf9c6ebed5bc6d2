import type pg from "pg";

/** One memory's keyword index: its distinct term hashes with their frequencies, and its length in terms. */
export interface MemoryTerms {
  id: string;
  hashes: Buffer[];
  frequencies: number[];
  length: number;
}

/** Term rows per INSERT: five parameters each, well under PostgreSQL's 65,535. */
const TERMS_PER_STATEMENT = 10_000;

/**
 * Replaces the keyword index of these memories of the current tenant (sealed in this
 * transaction): their old rows go (a replaced version's terms describe its old text), then,
 * unless `memories` is null (KEYWORD_INDEX=false), one row per distinct term and one length
 * row (the empty hash) each; the tenant's memory_term_stats row moves by the difference.
 * A multi-row INSERT ... VALUES carrying the tenant key: on Citus a router insert into the
 * tenant's shard (an INSERT ... SELECT would go through COPY, which row-level security refuses).
 */
export async function replaceMemoryTerms(client: pg.ClientBase, userHash: string, ids: string[], memories: MemoryTerms[] | null): Promise<void> {
  if (ids.length === 0) return;
  const { rows: old } = await client.query<{ memory_length: number }>(
    "delete from memvault.memory_terms where user_hash = $1::text and memory_id = any($2::uuid[]) returning (case when term_hash = '\\x'::bytea then memory_length end) as memory_length",
    [userHash, ids],
  );
  const gone = old.filter((r) => r.memory_length !== null);
  const rows = (memories ?? []).flatMap((m) => [
    { id: m.id, hash: Buffer.alloc(0), frequency: m.length, length: m.length },
    ...m.hashes.map((hash, i) => ({ id: m.id, hash, frequency: m.frequencies[i]!, length: m.length })),
  ]);
  for (let start = 0; start < rows.length; start += TERMS_PER_STATEMENT) {
    const params: unknown[] = [userHash];
    const values = rows
      .slice(start, start + TERMS_PER_STATEMENT)
      .map((r) => `($1::text, $${params.push(r.hash)}::bytea, $${params.push(r.id)}::uuid, $${params.push(r.frequency)}::integer, $${params.push(r.length)}::integer)`);
    await client.query(`insert into memvault.memory_terms (user_hash, term_hash, memory_id, frequency, memory_length) values ${values.join(", ")}`, params);
  }
  const documents = (memories?.length ?? 0) - gone.length;
  const length = (memories ?? []).reduce((sum, m) => sum + m.length, 0) - gone.reduce((sum, r) => sum + r.memory_length, 0);
  if (documents === 0 && length === 0) return;
  await client.query(
    `insert into memvault.memory_term_stats (user_hash, documents, total_length) values ($1::text, $2::bigint, $3::bigint)
     on conflict (user_hash) do update set documents = memory_term_stats.documents + excluded.documents, total_length = memory_term_stats.total_length + excluded.total_length`,
    [userHash, documents, length],
  );
}

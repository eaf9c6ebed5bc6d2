import type pg from "pg";
import { deleteMemoryTerms } from "./deleteMemoryTerms.ts";

/** One memory's keyword index: its distinct term hashes with their frequencies, and its length in terms. */
export interface MemoryTerms {
  id: string;
  hashes: Buffer[];
  frequencies: number[];
  length: number;
}

/** Term rows per INSERT ... VALUES on Citus: six parameters each, well under PostgreSQL's 65,535. */
const ROWS_PER_VALUES = 10_000;
const COLUMNS = "user_hash, term_hash, memory_id, frequency, memory_length, term_hashes";

/** Inserts the rows as arrays through unnest: one plan for the batch, half the cost of VALUES. */
async function insertByUnnest(client: pg.ClientBase, userHash: string, rows: TermRow[]): Promise<void> {
  await client.query(
    `insert into memvault.memory_terms (${COLUMNS})
     select $1::text, t.term_hash, t.memory_id, t.frequency, t.memory_length, t.term_hashes
     from unnest($2::bytea[], $3::uuid[], $4::integer[], $5::integer[], $6::bytea[]) as t(term_hash, memory_id, frequency, memory_length, term_hashes)`,
    [userHash, rows.map((r) => r.hash), rows.map((r) => r.id), rows.map((r) => r.frequency), rows.map((r) => r.length), rows.map((r) => r.list)],
  );
}

/** Inserts the rows as VALUES carrying the tenant key: on Citus a router insert into the tenant's shard (INSERT ... SELECT goes through COPY, which row-level security refuses). */
async function insertByValues(client: pg.ClientBase, userHash: string, rows: TermRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_VALUES) {
    const params: unknown[] = [userHash];
    const values = rows
      .slice(start, start + ROWS_PER_VALUES)
      .map((r) => `($1::text, $${params.push(r.hash)}::bytea, $${params.push(r.id)}::uuid, $${params.push(r.frequency)}::integer, $${params.push(r.length)}::integer, $${params.push(r.list)}::bytea)`);
    await client.query(`insert into memvault.memory_terms (${COLUMNS}) values ${values.join(", ")}`, params);
  }
}

interface TermRow {
  id: string;
  hash: Buffer;
  frequency: number;
  length: number;
  /** The length row's list of the memory's term hashes; null on term rows. */
  list: Buffer | null;
}

/**
 * Replaces the keyword index of these memories of the current tenant (sealed in this
 * transaction): their old rows go (a replaced version's terms describe its old text), then,
 * unless `memories` is null (KEYWORD_INDEX=false), one row per distinct term and one length
 * row (the empty hash, listing the terms) each, and the tenant's statistics gain them.
 */
export async function replaceMemoryTerms(client: pg.ClientBase, userHash: string, ids: string[], memories: MemoryTerms[] | null): Promise<void> {
  await deleteMemoryTerms(client, userHash, ids);
  if (!memories || memories.length === 0) return;
  const rows: TermRow[] = memories.flatMap((m) => [
    { id: m.id, hash: Buffer.alloc(0), frequency: m.length, length: m.length, list: Buffer.concat(m.hashes) },
    ...m.hashes.map((hash, i) => ({ id: m.id, hash, frequency: m.frequencies[i]!, length: m.length, list: null })),
  ]);
  // In key order: the primary key's leaf pages are then visited once each, in turn, rather
  // than at random for every row (terms hash to anywhere in the key space).
  rows.sort((a, b) => Buffer.compare(a.hash, b.hash));
  const citus = await client.query("select 1 from pg_catalog.pg_extension where extname = 'citus'");
  await (citus.rowCount ? insertByValues : insertByUnnest)(client, userHash, rows);
  await client.query(
    `insert into memvault.memory_term_stats (user_hash, documents, total_length) values ($1::text, $2::bigint, $3::bigint)
     on conflict (user_hash) do update set documents = memory_term_stats.documents + excluded.documents, total_length = memory_term_stats.total_length + excluded.total_length`,
    [userHash, memories.length, memories.reduce((sum, m) => sum + m.length, 0)],
  );
}

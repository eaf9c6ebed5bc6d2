import type pg from "pg";
import { vectorText } from "./vectorText.ts";

/** memory_chunks.key_version of a row sealed under its tenant's own data key (the key's version is in each value's header). */
export const TENANT_KEY_VERSION = 0;

export interface SealedColumns {
  ids: string[];
  textCiphers: Buffer[];
  metaCiphers: Buffer[];
  embCiphers: Buffer[];
  labelsCiphers: (Buffer | null)[];
}

/** What the move takes from each ingest row besides its sealed columns (same order as `ids`). */
export interface IngestOrigin {
  created_at: Date;
  /** pgvector's binary form (vector_send) */
  embedding: Buffer;
  scope_hash: Buffer | null;
  scope_path: Buffer[];
  tag_hashes: Buffer[];
  expires_at: Date | null;
  occurred_at: Date | null;
}

const COLUMNS_PER_ROW = 10;
/** Label rows per INSERT: two parameters each, well under PostgreSQL's 65,535. */
const LABELS_PER_STATEMENT = 10_000;

/**
 * Inserts the sealed chunks and deletes their ingest rows, in the caller's transaction;
 * returns the ids moved (the ingest rows deleted).
 *
 * A multi-row INSERT ... VALUES, not INSERT ... SELECT from chunk_ingest: on Citus,
 * memory_chunks is distributed and chunk_ingest stays on the coordinator, and Citus runs
 * an INSERT ... SELECT across them as a COPY, which row-level security refuses. VALUES
 * carrying the tenant key is a router insert into the tenant's shard.
 *
 * ON CONFLICT DO UPDATE: an update or upsert (an ingest row with `replaces`) swaps the
 * sealed memory's contents in this transaction, so readers see the old version until it
 * commits; created_at stays the memory's first. Rows without `replaces` cannot collide
 * (the ingest trigger refuses ids already sealed) except on a retry after a half-finished
 * commit on Citus (the shard's part committed, the coordinator's not), which then
 * finishes the move with the same contents.
 */
export async function moveIngestToChunks(client: pg.ClientBase, userHash: string, keyVersion: number, sealed: SealedColumns, origin: IngestOrigin[]): Promise<string[]> {
  if (sealed.ids.length === 0) return [];
  if (origin.length !== sealed.ids.length) throw new Error("moveIngestToChunks: one origin per sealed row");
  const params: unknown[] = [userHash, keyVersion];
  const tuples = sealed.ids.map((id, i) => {
    const p = params.length;
    const o = origin[i]!;
    params.push(id, o.created_at, sealed.textCiphers[i], sealed.metaCiphers[i], sealed.embCiphers[i], vectorText(o.embedding),
      o.scope_hash, sealed.labelsCiphers[i], o.expires_at, o.occurred_at);
    return `($1::text, $${p + 1}::uuid, $${p + 2}::timestamptz, $2::integer, $${p + 3}::bytea, $${p + 4}::bytea, $${p + 5}::bytea, $${p + 6}::public.vector,
      $${p + 7}::bytea, $${p + 8}::bytea, $${p + 9}::timestamptz, $${p + 10}::timestamptz)`;
  });
  if (params.length !== 2 + COLUMNS_PER_ROW * sealed.ids.length) throw new Error("moveIngestToChunks: parameter count");
  await client.query(
    `insert into memvault.memory_chunks (user_hash, id, created_at, key_version, text_cipher, meta_cipher, emb_cipher, embedding,
       scope_hash, labels_cipher, expires_at, occurred_at)
     values ${tuples.join(", ")}
     on conflict (user_hash, id) do update set
       key_version = excluded.key_version, text_cipher = excluded.text_cipher, meta_cipher = excluded.meta_cipher,
       emb_cipher = excluded.emb_cipher, embedding = excluded.embedding, scope_hash = excluded.scope_hash,
       labels_cipher = excluded.labels_cipher, expires_at = excluded.expires_at, occurred_at = excluded.occurred_at, updated_at = $${params.length + 1}::timestamptz`,
    // The time as a parameter, not now(): Citus allows only immutable functions in DO UPDATE SET.
    [...params, new Date()],
  );
  // The labels' blind indexes, one row each: a replacement's old ones go first.
  await client.query("delete from memvault.memory_labels where user_hash = $1::text and memory_id = any($2::uuid[])", [userHash, sealed.ids]);
  const labels = sealed.ids.flatMap((id, i) => {
    const hashes = new Map([...origin[i]!.scope_path, ...origin[i]!.tag_hashes].map((h) => [h.toString("hex"), h]));
    return [...hashes.values()].map((hash) => [id, hash] as const);
  });
  for (let start = 0; start < labels.length; start += LABELS_PER_STATEMENT) {
    const batch = labels.slice(start, start + LABELS_PER_STATEMENT);
    const labelParams: unknown[] = [userHash];
    const values = batch.map(([id, hash]) => `($1::text, $${labelParams.push(hash)}::bytea, $${labelParams.push(id)}::uuid)`);
    await client.query(`insert into memvault.memory_labels (user_hash, label_hash, memory_id) values ${values.join(", ")} on conflict do nothing`, labelParams);
  }
  const { rows } = await client.query<{ id: string }>(
    "delete from memvault.chunk_ingest where user_hash = $1::text and id = any($2::uuid[]) returning id::text",
    [userHash, sealed.ids],
  );
  return rows.map((r) => r.id);
}

// chunk_ingest's writable columns and their VALUES tuples, for insertIngestRows and upsertIngestRow.

export interface IngestValues {
  id: string;
  text: string;
  metaJson: string;
  /** pgvector text form, or null: the worker embeds the text. */
  vector: string | null;
  scopeHash: Buffer | null;
  scopePath: Buffer[];
  tagHashes: Buffer[];
  labelsCipher: Buffer | null;
  expiresAt: Date | null;
  occurredAt: Date | null;
}

export const INGEST_COLUMNS = "id, text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, occurred_at, replaces";

/** One VALUES tuple per row (scope_path and tag_hashes are arrays of different lengths: no unnest). */
export function ingestTuples(rows: IngestValues[], replaces: boolean, params: unknown[]): string {
  return rows
    .map((r) => {
      const p = params.length;
      params.push(r.id, r.text, r.metaJson, r.vector, r.scopeHash, r.scopePath, r.tagHashes, r.labelsCipher, r.expiresAt, r.occurredAt);
      return `($${p + 1}::uuid, $${p + 2}::text, $${p + 3}::jsonb, $${p + 4}::public.vector, $${p + 5}::bytea, $${p + 6}::bytea[], $${p + 7}::bytea[], $${p + 8}::bytea, $${p + 9}::timestamptz, $${p + 10}::timestamptz, ${replaces})`;
    })
    .join(", ");
}

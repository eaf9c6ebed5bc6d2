import type pg from "pg";

export interface IngestRow {
  id: string;
  created_at: Date;
  text: string;
  meta: string;
  /** pgvector's binary form (vector_send): no float formatting or parsing on either side. Null: text-only, to be embedded. */
  embedding: Buffer | null;
  scope_hash: Buffer | null;
  scope_path: Buffer[];
  tag_hashes: Buffer[];
  labels_cipher: Buffer | null;
  expires_at: Date | null;
  occurred_at: Date | null;
  replaces: boolean;
}

/** The columns a seal job reads, shared with claimIngestRowsById. */
export const INGEST_ROW_COLUMNS =
  "id, created_at, text, meta::text as meta, public.vector_send(embedding) as embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, occurred_at, replaces";

/**
 * Locks up to `limit` of the current tenant's oldest ingest rows that no other job holds:
 * rows that came with an embedding, or (textOnly) rows the job must embed first, which are
 * claimed in smaller batches because embedding them takes far longer than sealing. Rows
 * that failed before come after every fresh one: one row the embedder refuses never holds
 * back the tenant's later memories.
 */
export async function claimIngestRows(client: pg.ClientBase, limit: number, textOnly = false): Promise<IngestRow[]> {
  const { rows } = await client.query<IngestRow>(
    `select ${INGEST_ROW_COLUMNS} from memvault.chunk_ingest where (embedding is null) = $2::boolean
     order by attempts, created_at, id limit $1::integer for update skip locked`,
    [limit, textOnly],
  );
  return rows;
}

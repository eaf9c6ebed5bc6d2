import type pg from "pg";

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
}

const COLUMNS = "id, text, meta, embedding, scope_hash, scope_path, tag_hashes, labels_cipher, expires_at, replaces";

/** One VALUES tuple per row (scope_path and tag_hashes are arrays of different lengths: no unnest). */
function tuples(rows: IngestValues[], replaces: boolean, params: unknown[]): string {
  return rows
    .map((r) => {
      const p = params.length;
      params.push(r.id, r.text, r.metaJson, r.vector, r.scopeHash, r.scopePath, r.tagHashes, r.labelsCipher, r.expiresAt);
      return `($${p + 1}::uuid, $${p + 2}::text, $${p + 3}::jsonb, $${p + 4}::public.vector, $${p + 5}::bytea, $${p + 6}::bytea[], $${p + 7}::bytea[], $${p + 8}::bytea, $${p + 9}::timestamptz, ${replaces})`;
    })
    .join(", ");
}

/** Inserts the current tenant's new memories into chunk_ingest in one statement; returns their ids in order. */
export async function insertIngestRows(client: pg.ClientBase, rows: IngestValues[]): Promise<string[]> {
  const params: unknown[] = [];
  const { rows: out } = await client.query<{ id: string }>(
    `insert into memvault.chunk_ingest (${COLUMNS}) values ${tuples(rows, false, params)} returning id::text`,
    params,
  );
  return out.map((r) => r.id);
}

/**
 * A memory that replaces the sealed one with its id, if any, when it is sealed (update,
 * upsert); a pending version of it is overwritten and tried again from scratch.
 */
export async function upsertIngestRow(client: pg.ClientBase, row: IngestValues): Promise<void> {
  const params: unknown[] = [];
  // The SET repeats the parameters rather than reading excluded.*: reading excluded.text
  // would need SELECT on the plaintext columns, which tenants do not have.
  await client.query(
    `insert into memvault.chunk_ingest (${COLUMNS}) values ${tuples([row], true, params)}
     on conflict (user_hash, id) do update set
       text = $2::text, meta = $3::jsonb, embedding = $4::public.vector, scope_hash = $5::bytea, scope_path = $6::bytea[],
       tag_hashes = $7::bytea[], labels_cipher = $8::bytea, expires_at = $9::timestamptz, replaces = true, attempts = 0, last_error = null`,
    params,
  );
}

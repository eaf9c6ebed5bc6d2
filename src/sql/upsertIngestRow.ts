import type pg from "pg";
import { INGEST_COLUMNS, ingestTuples, type IngestValues } from "./ingestValues.ts";

/**
 * A memory that replaces the sealed one with its id, if any, when it is sealed (update,
 * upsert); a pending version of it is overwritten and tried again from scratch.
 */
export async function upsertIngestRow(client: pg.ClientBase, row: IngestValues): Promise<void> {
  const params: unknown[] = [];
  // The SET repeats the parameters rather than reading excluded.*: reading excluded.text
  // would need SELECT on the plaintext columns, which tenants do not have.
  await client.query(
    `insert into memvault.chunk_ingest (${INGEST_COLUMNS}) values ${ingestTuples([row], true, params)}
     on conflict (user_hash, id) do update set
       text = $2::text, meta = $3::jsonb, embedding = $4::public.vector, scope_hash = $5::bytea, scope_path = $6::bytea[],
       tag_hashes = $7::bytea[], labels_cipher = $8::bytea, expires_at = $9::timestamptz, occurred_at = $10::timestamptz, replaces = true, attempts = 0, last_error = null`,
    params,
  );
}

import type pg from "pg";

export interface IngestRow {
  id: string;
  created_at: Date;
  text: string;
  meta: string;
  /** pgvector's binary form (vector_send): no float formatting or parsing on either side. */
  embedding: Buffer;
}

/** The columns a seal job reads, shared with claimIngestRowsById. */
export const INGEST_ROW_COLUMNS = "id, created_at, text, meta::text as meta, public.vector_send(embedding) as embedding";

/** Locks up to `limit` of the current tenant's oldest ingest rows that no other job holds. */
export async function claimIngestRows(client: pg.ClientBase, limit: number): Promise<IngestRow[]> {
  const { rows } = await client.query<IngestRow>(
    `select ${INGEST_ROW_COLUMNS} from memvault.chunk_ingest order by created_at, id limit $1::integer for update skip locked`,
    [limit],
  );
  return rows;
}

import type pg from "pg";

export interface IngestValues {
  id: string | null;
  text: string;
  metaJson: string;
  vector: string;
}

/** Inserts the current tenant's memories into chunk_ingest in one statement; returns their ids in order. */
export async function insertIngestRows(client: pg.ClientBase, rows: IngestValues[]): Promise<string[]> {
  const { rows: out } = await client.query<{ id: string }>(
    `insert into memvault.chunk_ingest (id, text, meta, embedding)
     select coalesce(u.id, gen_random_uuid()), u.text, u.meta::jsonb, u.embedding::public.vector
     from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) with ordinality as u(id, text, meta, embedding, n)
     order by u.n
     returning id::text`,
    [rows.map((r) => r.id), rows.map((r) => r.text), rows.map((r) => r.metaJson), rows.map((r) => r.vector)],
  );
  return out.map((r) => r.id);
}

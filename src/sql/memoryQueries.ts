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

export interface SealedChunkRow {
  id: string;
  created_at: Date;
  /** created_at as Postgres prints it: microseconds, which a JS Date would drop. */
  created_at_key: string;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
}

/** A page of the current tenant's sealed chunks, newest first, after an optional (created_at, id) key. */
export async function selectChunkPage(client: pg.ClientBase, limit: number, after: { createdAt: string; id: string } | null): Promise<SealedChunkRow[]> {
  const { rows } = await client.query<SealedChunkRow>(
    `select id::text, created_at, created_at::text as created_at_key, key_version, text_cipher, meta_cipher from memvault.memory_chunks
     where $2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid)
     order by created_at desc, id desc
     limit $1::integer`,
    [limit, after?.createdAt ?? null, after?.id ?? null],
  );
  return rows;
}

export async function selectChunksById(client: pg.ClientBase, ids: string[]): Promise<SealedChunkRow[]> {
  const { rows } = await client.query<SealedChunkRow>(
    "select id::text, created_at, created_at::text as created_at_key, key_version, text_cipher, meta_cipher from memvault.memory_chunks where id = any($1::uuid[])",
    [ids],
  );
  return rows;
}

export async function searchChunks(client: pg.ClientBase, vector: string, k: number): Promise<{ id: string; distance: number }[]> {
  const { rows } = await client.query<{ id: string; distance: number }>(
    "select id::text, distance from memvault.search_chunks($1::public.vector, $2::integer)",
    [vector, k],
  );
  return rows;
}

/** Deletes one memory of the current tenant, sealed or still waiting; returns rows deleted. */
export async function deleteMemory(client: pg.ClientBase, id: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `with c as (delete from memvault.memory_chunks where id = $1::uuid returning 1),
          i as (delete from memvault.chunk_ingest where id = $1::uuid returning 1)
     select ((select count(*) from c) + (select count(*) from i))::integer as n`,
    [id],
  );
  return rows[0]?.n ?? 0;
}

/** Deletes everything of the current tenant; returns counts per table. */
export async function deleteAllMemories(client: pg.ClientBase): Promise<{ chunks: number; pending: number; searches: number }> {
  const { rows } = await client.query<{ chunks: number; pending: number; searches: number }>(
    `with c as (delete from memvault.memory_chunks returning 1),
          i as (delete from memvault.chunk_ingest returning 1),
          s as (delete from memvault.search_requests returning 1)
     select (select count(*) from c)::integer as chunks, (select count(*) from i)::integer as pending,
            (select count(*) from s)::integer as searches`,
  );
  return rows[0] ?? { chunks: 0, pending: 0, searches: 0 };
}

import type pg from "pg";

/** The vector dimension of memvault.chunk_ingest.embedding, from the catalog (readable by any login); undefined before migrations. */
export async function selectEmbeddingDims(db: pg.Pool | pg.ClientBase): Promise<number | undefined> {
  const { rows } = await db.query<{ dims: number }>(
    `select a.atttypmod as dims from pg_catalog.pg_attribute a
     join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'memvault' and c.relname = 'chunk_ingest' and a.attname = 'embedding' and not a.attisdropped`,
  );
  return rows[0]?.dims;
}

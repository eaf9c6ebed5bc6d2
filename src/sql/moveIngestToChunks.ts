import type pg from "pg";

export interface SealedColumns {
  ids: string[];
  textCiphers: Buffer[];
  metaCiphers: Buffer[];
  embCiphers: Buffer[];
}

/**
 * Inserts the sealed chunks (the plaintext embedding copied inside the database from the
 * ingest row, never round-tripped) and deletes those ingest rows, in the caller's
 * transaction. Returns the ids moved.
 */
export async function moveIngestToChunks(client: pg.ClientBase, keyVersion: number, sealed: SealedColumns): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `with sealed as (
       select * from unnest($2::uuid[], $3::bytea[], $4::bytea[], $5::bytea[]) as s(id, text_cipher, meta_cipher, emb_cipher)
     ), moved as (
       insert into memvault.memory_chunks (user_hash, id, created_at, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
       select i.user_hash, i.id, i.created_at, $1::integer, s.text_cipher, s.meta_cipher, s.emb_cipher, i.embedding
       from sealed s join memvault.chunk_ingest i on i.id = s.id
       returning id
     )
     delete from memvault.chunk_ingest i using moved m where i.id = m.id
     returning i.id`,
    [keyVersion, sealed.ids, sealed.textCiphers, sealed.metaCiphers, sealed.embCiphers],
  );
  return rows.map((r) => r.id);
}

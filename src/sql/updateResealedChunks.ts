import type pg from "pg";
import type { SealedColumns } from "./moveIngestToChunks.ts";

export async function updateResealedChunks(client: pg.ClientBase, userHash: string, keyVersion: number, sealed: SealedColumns): Promise<number> {
  const { rowCount } = await client.query(
    `update memvault.memory_chunks c
     set key_version = $1::integer, text_cipher = s.text_cipher, meta_cipher = s.meta_cipher, emb_cipher = s.emb_cipher, labels_cipher = s.labels_cipher
     from unnest($2::uuid[], $3::bytea[], $4::bytea[], $5::bytea[], $7::bytea[]) as s(id, text_cipher, meta_cipher, emb_cipher, labels_cipher)
     where c.user_hash = $6::text and c.id = s.id`,
    [keyVersion, sealed.ids, sealed.textCiphers, sealed.metaCiphers, sealed.embCiphers, userHash, sealed.labelsCiphers],
  );
  return rowCount ?? 0;
}

import type pg from "pg";

export interface ChunkToReseal {
  id: string;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
  emb_cipher: Buffer;
  labels_cipher: Buffer | null;
}

/** Locks up to `limit` of the current tenant's chunks still sealed under a keyring version (not its own data key). */
export async function claimChunksToReseal(client: pg.ClientBase, userHash: string, limit: number): Promise<ChunkToReseal[]> {
  const { rows } = await client.query<ChunkToReseal>(
    `select id, key_version, text_cipher, meta_cipher, emb_cipher, labels_cipher from memvault.memory_chunks
     where user_hash = $2::text and key_version > 0 order by id limit $1::integer for update skip locked`,
    [limit, userHash],
  );
  return rows;
}

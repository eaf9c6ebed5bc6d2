import type pg from "pg";

export interface ChunkToReseal {
  id: string;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
  emb_cipher: Buffer;
  labels_cipher: Buffer | null;
}

/** Locks up to `limit` of the current tenant's chunks sealed under a key version below `primary`. */
export async function claimChunksToReseal(client: pg.ClientBase, userHash: string, primary: number, limit: number): Promise<ChunkToReseal[]> {
  const { rows } = await client.query<ChunkToReseal>(
    `select id, key_version, text_cipher, meta_cipher, emb_cipher, labels_cipher from memvault.memory_chunks
     where user_hash = $3::text and key_version < $1::integer order by id limit $2::integer for update skip locked`,
    [primary, limit, userHash],
  );
  return rows;
}

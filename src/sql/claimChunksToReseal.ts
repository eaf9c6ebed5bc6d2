import type pg from "pg";
import { sealedHeaderVersion } from "./sealedHeaderVersion.ts";

export interface ChunkToReseal {
  id: string;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
  emb_cipher: Buffer;
  labels_cipher: Buffer | null;
}

/**
 * Locks up to `limit` of the current tenant's chunks not under its current sealing key:
 * still under a keyring version (from before per-tenant keys), or under an older data key
 * of its own (after `memvault tenant rotate-key`).
 */
export async function claimChunksToReseal(client: pg.ClientBase, userHash: string, sealVersion: number, limit: number): Promise<ChunkToReseal[]> {
  const { rows } = await client.query<ChunkToReseal>(
    `select id, key_version, text_cipher, meta_cipher, emb_cipher, labels_cipher from memvault.memory_chunks
     where user_hash = $2::text and (key_version > 0 or ${sealedHeaderVersion("text_cipher")} < $3::bigint)
     order by id limit $1::integer for update skip locked`,
    [limit, userHash, sealVersion],
  );
  return rows;
}

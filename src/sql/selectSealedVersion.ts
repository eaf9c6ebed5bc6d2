import type pg from "pg";
import { SEALED_CHUNK_COLUMNS, type SealedChunkRow } from "./selectChunkPage.ts";

/** A sealed memory with its embedding copy, for an update to start from (unexpired only). */
export async function selectSealedVersion(client: pg.ClientBase, userHash: string, id: string): Promise<(SealedChunkRow & { emb_cipher: Buffer }) | undefined> {
  const { rows } = await client.query<SealedChunkRow & { emb_cipher: Buffer }>(
    `select ${SEALED_CHUNK_COLUMNS}, emb_cipher from memvault.memory_chunks
     where user_hash = $1::text and id = $2::uuid and (expires_at is null or expires_at > now())`,
    [userHash, id],
  );
  return rows[0];
}

import type pg from "pg";
import type { SealedChunkRow } from "./selectChunkPage.ts";

export async function selectChunksById(client: pg.ClientBase, userHash: string, ids: string[]): Promise<SealedChunkRow[]> {
  const { rows } = await client.query<SealedChunkRow>(
    "select id::text, created_at, created_at::text as created_at_key, key_version, text_cipher, meta_cipher from memvault.memory_chunks where user_hash = $2::text and id = any($1::uuid[])",
    [ids, userHash],
  );
  return rows;
}

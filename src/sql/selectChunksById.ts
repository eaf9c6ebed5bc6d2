import type pg from "pg";
import { SEALED_CHUNK_COLUMNS, type SealedChunkRow } from "./selectChunkPage.ts";

/** The current tenant's unexpired chunks with these ids (expired ones are gone to every reader). */
export async function selectChunksById(client: pg.ClientBase, userHash: string, ids: string[]): Promise<SealedChunkRow[]> {
  const { rows } = await client.query<SealedChunkRow>(
    `select ${SEALED_CHUNK_COLUMNS} from memvault.memory_chunks
     where user_hash = $2::text and id = any($1::uuid[]) and (expires_at is null or expires_at > now())`,
    [ids, userHash],
  );
  return rows;
}

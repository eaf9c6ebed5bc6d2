import type pg from "pg";
import { filterPredicates, type FilterHashes } from "./chunkFilter.ts";

export interface SealedChunkRow {
  id: string;
  created_at: Date;
  /** created_at as Postgres prints it: microseconds, which a JS Date would drop. */
  created_at_key: string;
  updated_at: Date | null;
  expires_at: Date | null;
  occurred_at: Date | null;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
  labels_cipher: Buffer | null;
}

/** The columns a reader opens, shared with selectChunksById. */
export const SEALED_CHUNK_COLUMNS = "id::text, created_at, created_at::text as created_at_key, updated_at, expires_at, occurred_at, key_version, text_cipher, meta_cipher, labels_cipher";

/** A page of the current tenant's unexpired sealed chunks matching the filter, newest first, after an optional (created_at, id) key. */
export async function selectChunkPage(client: pg.ClientBase, userHash: string, limit: number, after: { createdAt: string; id: string } | null, filter: FilterHashes = {}): Promise<SealedChunkRow[]> {
  const params: unknown[] = [limit, after?.createdAt ?? null, after?.id ?? null, userHash];
  const { rows } = await client.query<SealedChunkRow>(
    `select ${SEALED_CHUNK_COLUMNS} from memvault.memory_chunks
     where user_hash = $4::text and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid)) ${filterPredicates(filter, params, "memory_chunks", "$4")}
     order by created_at desc, id desc
     limit $1::integer`,
    params,
  );
  return rows;
}

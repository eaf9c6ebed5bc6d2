import type pg from "pg";

export interface SealedChunkRow {
  id: string;
  created_at: Date;
  /** created_at as Postgres prints it: microseconds, which a JS Date would drop. */
  created_at_key: string;
  key_version: number;
  text_cipher: Buffer;
  meta_cipher: Buffer;
}

/** A page of the current tenant's sealed chunks, newest first, after an optional (created_at, id) key. */
export async function selectChunkPage(client: pg.ClientBase, userHash: string, limit: number, after: { createdAt: string; id: string } | null): Promise<SealedChunkRow[]> {
  const { rows } = await client.query<SealedChunkRow>(
    `select id::text, created_at, created_at::text as created_at_key, key_version, text_cipher, meta_cipher from memvault.memory_chunks
     where user_hash = $4::text and ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid))
     order by created_at desc, id desc
     limit $1::integer`,
    [limit, after?.createdAt ?? null, after?.id ?? null, userHash],
  );
  return rows;
}

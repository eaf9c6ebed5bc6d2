import type pg from "pg";

export const CHUNK_SEALED_CHANNEL = "memvault_chunk_sealed";

/** One NOTIFY per chunk, the id as the whole payload; delivered when the transaction commits. */
export async function notifyChunksSealed(client: pg.ClientBase, ids: string[]): Promise<void> {
  await client.query(`select pg_catalog.pg_notify('${CHUNK_SEALED_CHANNEL}', id::text) from unnest($1::uuid[]) as id`, [ids]);
}

import type pg from "pg";

/** Text ciphers of the current tenant's chunks among ids (another tenant's ids match nothing). */
export async function selectChunkTextCiphers(client: pg.ClientBase, userHash: string, ids: string[]): Promise<{ id: string; text_cipher: Buffer }[]> {
  const { rows } = await client.query<{ id: string; text_cipher: Buffer }>(
    "select id::text, text_cipher from memvault.memory_chunks where user_hash = $2::text and id = any($1::uuid[])",
    [ids, userHash],
  );
  return rows;
}

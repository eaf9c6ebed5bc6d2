import type pg from "pg";

export interface PendingVersion {
  labels_cipher: Buffer | null;
  expires_at: Date | null;
}

/**
 * The current tenant's pending version of a memory, locked; waits for a seal job that
 * holds it (and then finds nothing: it was sealed). The plaintext is not read back.
 */
export async function selectPendingVersion(client: pg.ClientBase, userHash: string, id: string): Promise<PendingVersion | undefined> {
  const { rows } = await client.query<PendingVersion>(
    "select labels_cipher, expires_at from memvault.chunk_ingest where user_hash = $1::text and id = $2::uuid for update",
    [userHash, id],
  );
  return rows[0];
}

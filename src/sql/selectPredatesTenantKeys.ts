import type pg from "pg";

/**
 * Whether the current tenant has data from before per-tenant keys: sealed memories, or
 * pending ones whose labels the API sealed (and hashed) under the keyring. Its blind
 * indexes were made with the pepper's keys, and stay so.
 */
export async function selectPredatesTenantKeys(client: pg.ClientBase, userHash: string): Promise<boolean> {
  const { rows } = await client.query<{ predates: boolean }>(
    `select exists (select 1 from memvault.memory_chunks where user_hash = $1::text)
         or exists (select 1 from memvault.chunk_ingest where user_hash = $1::text and labels_cipher is not null and pg_catalog.get_byte(labels_cipher, 0) = 1) as predates`,
    [userHash],
  );
  return rows[0]!.predates;
}

import type pg from "pg";

export interface PendingMemoryRow {
  id: string;
  created_at: Date;
  attempts: number;
  last_error: string | null;
  /** An update or upsert of a memory that may be sealed already. */
  replaces: boolean;
}

/** The current tenant's memory still waiting in chunk_ingest (no plaintext columns read). */
export async function selectPendingMemory(client: pg.ClientBase, id: string): Promise<PendingMemoryRow | undefined> {
  const { rows } = await client.query<PendingMemoryRow>(
    "select id::text, created_at, attempts, last_error, replaces from memvault.chunk_ingest where id = $1::uuid",
    [id],
  );
  return rows[0];
}

import type pg from "pg";

export interface PendingChanges {
  text?: string;
  metaJson?: string;
  /** A new embedding's text form, or null: embed the (new) text. */
  vector?: string | null;
  labels?: { scopeHash: Buffer | null; scopePath: Buffer[]; tagHashes: Buffer[]; labelsCipher: Buffer | null };
  expiresAt?: Date | null;
  occurredAt?: Date | null;
}

/** Changes the given columns of a pending memory (locked by selectPendingVersion); its trigger enqueues a fresh seal job. */
export async function updatePendingMemory(client: pg.ClientBase, userHash: string, id: string, c: PendingChanges): Promise<void> {
  const params: unknown[] = [userHash, id];
  const sets: string[] = ["attempts = 0", "last_error = null"];
  const set = (column: string, value: unknown, cast: string) => sets.push(`${column} = $${params.push(value)}::${cast}`);
  if (c.text !== undefined) set("text", c.text, "text");
  if (c.metaJson !== undefined) set("meta", c.metaJson, "jsonb");
  if (c.vector !== undefined) set("embedding", c.vector, "public.vector");
  if (c.labels) {
    set("scope_hash", c.labels.scopeHash, "bytea");
    set("scope_path", c.labels.scopePath, "bytea[]");
    set("tag_hashes", c.labels.tagHashes, "bytea[]");
    set("labels_cipher", c.labels.labelsCipher, "bytea");
  }
  if (c.expiresAt !== undefined) set("expires_at", c.expiresAt, "timestamptz");
  if (c.occurredAt !== undefined) set("occurred_at", c.occurredAt, "timestamptz");
  await client.query(`update memvault.chunk_ingest set ${sets.join(", ")} where user_hash = $1::text and id = $2::uuid`, params);
}

import type pg from "pg";

/**
 * Serialises writers of one memory (update, upsert) until the caller's transaction ends:
 * each reads the version the previous one left, so no update is lost to a concurrent one.
 */
export async function lockMemory(client: pg.ClientBase, userHash: string, id: string): Promise<void> {
  await client.query("select pg_advisory_xact_lock(hashtextextended('memvault:memory:' || $1::text || ':' || $2::text, 0))", [userHash, id]);
}

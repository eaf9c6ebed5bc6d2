import type pg from "pg";

/**
 * Orders a tenant's writers until the caller's transaction ends. Those that touch single
 * memories (update, upsert, forget of one id, the worker's seal transactions) hold it shared
 * and run side by side; forgetMatching and forgetAll hold it exclusively, so they see no
 * version of a memory half-way between chunk_ingest and memory_chunks, and no update can copy
 * a memory they are deleting back into chunk_ingest: forget always wins.
 */
export async function lockTenantWrites(client: pg.ClientBase, userHash: string, mode: "shared" | "exclusive"): Promise<void> {
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await client.query(`select pg_catalog.${fn}(pg_catalog.hashtextextended('memvault:tenant:' || $1::text, 0))`, [userHash]);
}

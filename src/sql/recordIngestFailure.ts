import type pg from "pg";

/** Counts a failed attempt on the current tenant's ingest rows; `code` is an error code, never content. */
export async function recordIngestFailure(client: pg.ClientBase, ids: string[], code: string): Promise<void> {
  await client.query(
    "update memvault.chunk_ingest set attempts = attempts + 1, last_error = $2::text where id = any($1::uuid[])",
    [ids, code],
  );
}

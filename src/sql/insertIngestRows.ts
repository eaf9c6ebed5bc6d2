import type pg from "pg";
import { INGEST_COLUMNS, ingestTuples, type IngestValues } from "./ingestValues.ts";

/** Inserts the current tenant's new memories into chunk_ingest in one statement; returns their ids in order. */
export async function insertIngestRows(client: pg.ClientBase, rows: IngestValues[]): Promise<string[]> {
  const params: unknown[] = [];
  const { rows: out } = await client.query<{ id: string }>(
    `insert into memvault.chunk_ingest (${INGEST_COLUMNS}) values ${ingestTuples(rows, false, params)} returning id::text`,
    params,
  );
  return out.map((r) => r.id);
}

import type pg from "pg";
import { INGEST_ROW_COLUMNS, type IngestRow } from "./claimIngestRows.ts";

/** Locks the given ingest rows of the current tenant, skipping rows another job holds. */
export async function claimIngestRowsById(client: pg.ClientBase, ids: string[]): Promise<IngestRow[]> {
  const { rows } = await client.query<IngestRow>(
    `select ${INGEST_ROW_COLUMNS} from memvault.chunk_ingest where id = any($1::uuid[]) for update skip locked`,
    [ids],
  );
  return rows;
}

import type pg from "pg";
import type { FilterHashes } from "./chunkFilter.ts";

/** memvault.search_chunks: the tenant's k nearest unexpired chunks that match the filter. */
export async function searchChunks(client: pg.ClientBase, vector: string, k: number, filter: FilterHashes = {}): Promise<{ id: string; distance: number }[]> {
  const { rows } = await client.query<{ id: string; distance: number }>(
    `select id::text, distance from memvault.search_chunks($1::public.vector, $2::integer, $3::bytea, $4::bytea, $5::bytea[], $6::bytea[],
       $7::timestamptz, $8::timestamptz, $9::timestamptz, $10::timestamptz)`,
    [vector, k, filter.scopeHash ?? null, filter.scopeLevel ?? null, filter.tagsAny ?? null, filter.tagsAll ?? null,
      filter.createdAfter ?? null, filter.createdBefore ?? null, filter.occurredAfter ?? null, filter.occurredBefore ?? null],
  );
  return rows;
}

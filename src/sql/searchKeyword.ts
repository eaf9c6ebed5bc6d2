import type pg from "pg";
import type { FilterHashes } from "./chunkFilter.ts";

export interface KeywordQuery {
  /** The query's distinct term hashes (16 bytes each) and how often each occurs in it. */
  hashes: Buffer[];
  frequencies: number[];
  k1: number;
  b: number;
}

/** memvault.search_keyword: the tenant's k best unexpired memories by BM25 that match the filter. */
export async function searchKeyword(client: pg.ClientBase, query: KeywordQuery, k: number, filter: FilterHashes = {}): Promise<{ id: string; score: number }[]> {
  const { rows } = await client.query<{ id: string; score: number }>(
    `select id::text, score from memvault.search_keyword($1::bytea[], $2::integer[], $3::integer, $4::double precision, $5::double precision,
       $6::bytea, $7::bytea, $8::bytea[], $9::bytea[], $10::timestamptz, $11::timestamptz, $12::timestamptz, $13::timestamptz)`,
    [query.hashes, query.frequencies, k, query.k1, query.b, filter.scopeHash ?? null, filter.scopeLevel ?? null, filter.tagsAny ?? null,
      filter.tagsAll ?? null, filter.createdAfter ?? null, filter.createdBefore ?? null, filter.occurredAfter ?? null, filter.occurredBefore ?? null],
  );
  return rows;
}

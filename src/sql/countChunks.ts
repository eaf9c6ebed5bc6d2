import type pg from "pg";
import { filterPredicates, type FilterHashes } from "./chunkFilter.ts";

/** How many unexpired sealed memories of the current tenant match the filter. */
export async function countChunks(client: pg.ClientBase, userHash: string, filter: FilterHashes): Promise<number> {
  const params: unknown[] = [userHash];
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::integer as n from memvault.memory_chunks where user_hash = $1::text ${filterPredicates(filter, params, "memory_chunks", "$1")}`,
    params,
  );
  return rows[0]!.n;
}

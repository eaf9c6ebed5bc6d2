import type pg from "pg";

export interface SearchResultRow {
  id: string;
  candidate_ids: string[];
  candidate_distances: number[];
  status: "pending" | "reranked" | "skipped";
  skip_reason: string | null;
  ranked_ids: string[] | null;
  scores: number[] | null;
  latency_ms: number | null;
}

/** The current tenant's request with its outcome, as a caller reads it back. */
export async function selectSearchResult(client: pg.ClientBase, id: string): Promise<SearchResultRow | undefined> {
  const { rows } = await client.query<SearchResultRow>(
    `select id, candidate_ids::text[] as candidate_ids, candidate_distances, status, skip_reason,
            ranked_ids::text[] as ranked_ids, scores, latency_ms
     from memvault.search_requests where id = $1::uuid`,
    [id],
  );
  return rows[0];
}

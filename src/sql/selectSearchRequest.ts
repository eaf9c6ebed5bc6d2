import type pg from "pg";

export interface SearchRequestRow {
  id: string;
  query_cipher: Buffer;
  candidate_ids: string[];
  deadline: Date;
  status: "pending" | "reranked" | "skipped";
}

/** The current tenant's request, as the worker needs it. */
export async function selectSearchRequest(client: pg.ClientBase, id: string): Promise<SearchRequestRow | undefined> {
  const { rows } = await client.query<SearchRequestRow>(
    "select id, query_cipher, candidate_ids::text[] as candidate_ids, deadline, status from memvault.search_requests where id = $1::uuid",
    [id],
  );
  return rows[0];
}

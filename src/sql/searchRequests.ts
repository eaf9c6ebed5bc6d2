import type pg from "pg";

export const SEARCH_DONE_CHANNEL = "memvault_search_done";

export interface SearchRequestRow {
  id: string;
  query_cipher: Buffer;
  candidate_ids: string[];
  deadline: Date;
  status: "pending" | "reranked" | "skipped";
}

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

/** The current tenant's request, as the worker needs it. */
export async function selectSearchRequest(client: pg.ClientBase, id: string): Promise<SearchRequestRow | undefined> {
  const { rows } = await client.query<SearchRequestRow>(
    "select id, query_cipher, candidate_ids::text[] as candidate_ids, deadline, status from memvault.search_requests where id = $1::uuid",
    [id],
  );
  return rows[0];
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

export async function insertSearchRequest(
  client: pg.ClientBase,
  r: { id: string; queryCipher: Buffer; keyVersion: number; candidateIds: string[]; candidateDistances: number[]; deadline: Date },
): Promise<void> {
  await client.query(
    `insert into memvault.search_requests (id, query_cipher, key_version, candidate_ids, candidate_distances, deadline)
     values ($1::uuid, $2::bytea, $3::integer, $4::uuid[], $5::float8[], $6::timestamptz)`,
    [r.id, r.queryCipher, r.keyVersion, r.candidateIds, r.candidateDistances, r.deadline],
  );
}

/** Writes the outcome once (a pending request only) and NOTIFYs with the id alone. */
export async function completeSearchRequest(
  client: pg.ClientBase,
  id: string,
  outcome: { status: "reranked" | "skipped"; skipReason: string | null; rankedIds: string[]; scores: number[] | null; latencyMs: number },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `update memvault.search_requests
     set status = $2::text, skip_reason = $3::text, ranked_ids = $4::uuid[], scores = $5::real[], latency_ms = $6::float8, finished_at = now()
     where id = $1::uuid and status = 'pending'`,
    [id, outcome.status, outcome.skipReason, outcome.rankedIds, outcome.scores, outcome.latencyMs],
  );
  if (rowCount === 1) await client.query(`select pg_catalog.pg_notify('${SEARCH_DONE_CHANNEL}', $1::text)`, [id]);
  return rowCount === 1;
}

/** Text ciphers of the current tenant's chunks among ids (another tenant's ids match nothing). */
export async function selectChunkTextCiphers(client: pg.ClientBase, ids: string[]): Promise<{ id: string; text_cipher: Buffer }[]> {
  const { rows } = await client.query<{ id: string; text_cipher: Buffer }>(
    "select id::text, text_cipher from memvault.memory_chunks where id = any($1::uuid[])",
    [ids],
  );
  return rows;
}

/** Deletes the current tenant's requests older than the retention; returns the oldest left. */
export async function deleteExpiredSearchRequests(client: pg.ClientBase, retentionSeconds: number): Promise<{ deleted: number; oldestLeft: Date | null }> {
  const del = await client.query(
    "delete from memvault.search_requests where created_at < now() - make_interval(secs => $1::integer)",
    [retentionSeconds],
  );
  const { rows } = await client.query<{ oldest: Date | null }>("select min(created_at) as oldest from memvault.search_requests");
  return { deleted: del.rowCount ?? 0, oldestLeft: rows[0]?.oldest ?? null };
}

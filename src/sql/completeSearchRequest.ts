import type pg from "pg";

export const SEARCH_DONE_CHANNEL = "memvault_search_done";

/** Writes the outcome once (a pending request only) and NOTIFYs with the id alone. */
export async function completeSearchRequest(
  client: pg.ClientBase,
  id: string,
  outcome: {
    status: "reranked" | "skipped";
    skipReason: string | null;
    rankedIds: string[];
    scores: number[] | null;
    latencyMs: number;
    /** Who served it: the variant, and the rollout arm when a rollout chose it. */
    variant: string;
    rolloutId: string | null;
    arm: "control" | "treatment" | null;
  },
): Promise<boolean> {
  const { rowCount } = await client.query(
    `update memvault.search_requests
     set status = $2::text, skip_reason = $3::text, ranked_ids = $4::uuid[], scores = $5::real[], latency_ms = $6::float8, finished_at = now(),
         rerank_variant = $7::text, rollout_id = $8::bigint, rollout_arm = $9::text
     where id = $1::uuid and status = 'pending'`,
    [id, outcome.status, outcome.skipReason, outcome.rankedIds, outcome.scores, outcome.latencyMs, outcome.variant, outcome.rolloutId, outcome.arm],
  );
  if (rowCount === 1) await client.query(`select pg_catalog.pg_notify('${SEARCH_DONE_CHANNEL}', $1::text)`, [id]);
  return rowCount === 1;
}

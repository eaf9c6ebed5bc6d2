import type pg from "pg";

export type RolloutDecision = "inactive" | "not_due" | "hold" | "fail" | "advance" | "promote" | "rollback";

export interface RolloutEvaluation {
  rollout: string;
  name?: string;
  decision: RolloutDecision;
  state?: string;
  step?: number;
  failures?: number;
  verdicts?: { control?: string; treatment?: string };
  window_end?: string;
  next_due_at?: string | null;
  evidence?: Record<string, unknown>;
}

/** Measures the rollout's next interval and decides (one decision per interval, however many callers). */
export async function evaluateRerankRollout(client: pg.ClientBase, rolloutId: string): Promise<RolloutEvaluation> {
  const { rows } = await client.query<{ result: RolloutEvaluation }>("select memvault.evaluate_rerank_rollout($1::bigint) as result", [rolloutId]);
  return { ...rows[0]!.result, rollout: String(rows[0]!.result.rollout) };
}

import type pg from "pg";
import type { RerankVariant } from "../rerank/loadVariantScorer.ts";

export interface RerankAssignment {
  /** Set when an active rollout chose the variant (bigint, as text). */
  rolloutId: string | null;
  arm: "control" | "treatment" | null;
  variant: RerankVariant;
}

/** The variant serving the current tenant now; undefined: the worker's own RERANK_* settings. */
export async function selectRerankAssignment(client: pg.ClientBase): Promise<RerankAssignment | undefined> {
  const { rows } = await client.query<{
    rollout_id: string | null;
    arm: "control" | "treatment" | null;
    name: string;
    model_dir: string | null;
    remote_url: string | null;
    model_sha256: string | null;
    batch_size: number;
    max_length: number;
    threads: number;
    budget_ms: number;
  }>("select rollout_id::text, arm, name, model_dir, remote_url, model_sha256, batch_size, max_length, threads, budget_ms from memvault.rerank_assignment()");
  const r = rows[0];
  if (!r) return undefined;
  return {
    rolloutId: r.rollout_id,
    arm: r.arm,
    variant: {
      name: r.name,
      modelDir: r.model_dir,
      remoteUrl: r.remote_url,
      modelSha256: r.model_sha256,
      batchSize: r.batch_size,
      maxLength: r.max_length,
      threads: r.threads,
      budgetMs: r.budget_ms,
    },
  };
}

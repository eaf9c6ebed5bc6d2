import type pg from "pg";
import type { RerankVariant } from "../rerankVariant.ts";
import { variantFromRow, type RerankVariantRow } from "./rerankVariantRow.ts";

export interface RerankAssignment {
  /** Set when an active rollout chose the variant (bigint, as text). */
  rolloutId: string | null;
  arm: "control" | "treatment" | null;
  variant: RerankVariant;
}

/** The variant serving the current tenant now; undefined: the worker's own RERANK_* settings. */
export async function selectRerankAssignment(client: pg.ClientBase): Promise<RerankAssignment | undefined> {
  const { rows } = await client.query<RerankVariantRow & { rollout_id: string | null; arm: "control" | "treatment" | null }>(
    "select rollout_id::text, arm, name, model_dir, remote_url, model_sha256, batch_size, max_length, threads, budget_ms from memvault.rerank_assignment()",
  );
  const r = rows[0];
  return r ? { rolloutId: r.rollout_id, arm: r.arm, variant: variantFromRow(r) } : undefined;
}

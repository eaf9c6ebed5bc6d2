// memvault.rerank_variants' columns as every query that hands out variants selects them, and
// the variant they describe.
import type { RerankVariant } from "../rerankVariant.ts";

/** The columns every query that hands out variants selects. */
export interface RerankVariantRow {
  name: string;
  model_dir: string | null;
  remote_url: string | null;
  model_sha256: string | null;
  batch_size: number;
  max_length: number;
  threads: number;
  budget_ms: number;
}

export const variantFromRow = (r: RerankVariantRow): RerankVariant => ({
  name: r.name,
  modelDir: r.model_dir,
  remoteUrl: r.remote_url,
  modelSha256: r.model_sha256,
  batchSize: r.batch_size,
  maxLength: r.max_length,
  threads: r.threads,
  budgetMs: r.budget_ms,
});

// A rollout variant as memvault.rerank_variants stores it. The reranker side declares the
// settings it needs (src/rerank/rerankVariant.ts); the two shapes agree structurally, so
// queries stay leaves that import nothing above them.
export interface StoredRerankVariant {
  name: string;
  modelDir: string | null;
  remoteUrl: string | null;
  modelSha256: string | null;
  batchSize: number;
  maxLength: number;
  threads: number;
  budgetMs: number;
}

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

export const variantFromRow = (r: RerankVariantRow): StoredRerankVariant => ({
  name: r.name,
  modelDir: r.model_dir,
  remoteUrl: r.remote_url,
  modelSha256: r.model_sha256,
  batchSize: r.batch_size,
  maxLength: r.max_length,
  threads: r.threads,
  budgetMs: r.budget_ms,
});

// A reranker variant: the settings one cross-encoder is built from. Stored in
// memvault.rerank_variants (src/sql/rerankVariantRow.ts reads them); the worker's own RERANK_*
// settings make the variant a tenant gets when no rollout or default names another.
export interface RerankVariant {
  name: string;
  modelDir: string | null;
  remoteUrl: string | null;
  modelSha256: string | null;
  batchSize: number;
  maxLength: number;
  threads: number;
  budgetMs: number;
}

/** The variant name that stands for each worker's own RERANK_* settings (no operator variant may take it). */
export const SETTINGS_VARIANT = "settings";

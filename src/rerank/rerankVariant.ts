// What a reranker is built from: one variant's settings (a rollout arm, the default, or the
// process's own RERANK_* settings). Stored variants (src/sql/rerankVariantRow.ts) have this shape.
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

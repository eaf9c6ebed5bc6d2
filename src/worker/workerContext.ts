import type { Logger } from "pino";
import type { SealCounter } from "../crypto/sealCounter.ts";
import type { VariantRerankers } from "../rerank/variantRerankers.ts";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import type { TenantKeys } from "../keys/tenantKeys.ts";
import type { EmbedderHandle } from "../embed/createEmbedderFromConfig.ts";
import type { WorkerMetrics } from "./workerMetrics.ts";
import type { PurgeOptions } from "./purgeTenant.ts";

/** What tasks get from the process that runs them. */
export interface WorkerContext {
  keyrings: KeyringProvider;
  /** Each tenant's data keys (read in each tenant transaction, created on its first seal). */
  tenantKeys: TenantKeys;
  counter: SealCounter;
  metrics: WorkerMetrics;
  batchSize: number;
  logger: Logger;
  /** Aborted when the process starts draining: long tasks stop between batches. */
  draining: AbortSignal;
  /** Fail-open cross-encoder reranking: the worker's RERANK_* reranker and rollout variants (no model: skips with no_model). */
  rerankers: VariantRerankers;
  /** Embeds text-only memories before they are sealed (unavailable: they wait, with a coded reason). */
  embedder: EmbedderHandle;
  /** Text-only rows one seal transaction claims and embeds. */
  embedBatchSize: number;
  /** Whether seal jobs write the keyword index (KEYWORD_INDEX). */
  keywordIndex: boolean;
  /** purge_tenant's batches and pauses, and where the receipt finds backups. */
  purge: PurgeOptions;
  /** How long search requests are kept. */
  searchRetentionSeconds: number;
}

// The rerankers a worker serves: its own RERANK_* configuration (the variant named settings) and each
// rollout variant it has been asked for, each loaded once, lazily, with its own circuit
// breaker and metrics labelled by variant. A variant that cannot load answers every
// request with the skip reason no_model (fail-open) and is tried again after a while.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { loadVariantScorer } from "./loadVariantScorer.ts";
import type { RerankVariant } from "../rerankVariant.ts";
import { createLoggedReranker, type Reranker } from "./reranker.ts";
import { RerankError } from "./rerankError.ts";
import { createRerankMetrics } from "./rerankMetrics.ts";
import type { Scorer } from "./scorer.ts";

export interface VariantRerankers {
  /** The worker's own RERANK_* reranker. */
  readonly settings: Reranker;
  /** The variant's reranker; the first call loads its model. */
  forVariant(variant: RerankVariant): Promise<Reranker>;
  close(): Promise<void>;
}

interface Loaded {
  reranker: Reranker;
  scorer?: Scorer;
  failedAt?: number;
}

export function createVariantRerankers(opts: {
  settings: Reranker;
  registry: Registry;
  logger: Logger;
  enabled: () => boolean;
  breaker: { failures: number; windowMs: number; cooldownMs: number };
  device: "cpu" | "cuda";
  /** Remote scorers a variant may name (the worker's RERANK_REMOTE_ALLOWED_URLS); none by default. */
  allowedRemoteUrls?: readonly string[];
  /** How long a variant that failed to load answers no_model before it is tried again. */
  retryLoadAfterMs?: number;
}): VariantRerankers {
  const retryAfter = opts.retryLoadAfterMs ?? 30_000;
  const loaded = new Map<string, Promise<Loaded>>();
  const metrics = new Map<string, ReturnType<typeof createRerankMetrics>>();

  const load = async (v: RerankVariant): Promise<Loaded> => {
    const log = opts.logger.child({ variant: v.name });
    let m = metrics.get(v.name);
    if (!m) metrics.set(v.name, (m = createRerankMetrics(opts.registry, v.name)));
    let scorer: Scorer | undefined;
    try {
      scorer = await loadVariantScorer(v, opts.device, opts.allowedRemoteUrls ?? []);
      log.info({ scorer: scorer.name }, "rerank variant loaded");
    } catch (err) {
      log.warn({ code: err instanceof RerankError ? err.code : "INTERNAL" }, `rerank variant cannot load (${err instanceof RerankError ? err.message : "unexpected error"}); its searches return ANN order (skip reason no_model)`);
    }
    const reranker = createLoggedReranker({ scorer, enabled: opts.enabled, breaker: opts.breaker, metrics: m, logger: log });
    return { reranker, ...(scorer ? { scorer } : { failedAt: Date.now() }) };
  };

  return {
    settings: opts.settings,
    async forVariant(v) {
      // Variants are immutable, but a key over the whole configuration makes a variant
      // recreated by hand under the same name a different entry.
      const key = JSON.stringify(v);
      let entry = loaded.get(key);
      if (entry) {
        const done = await entry;
        if (done.failedAt === undefined || Date.now() - done.failedAt < retryAfter) return done.reranker;
        const current = loaded.get(key);
        if (current !== entry) return (await current!).reranker; // another caller is reloading it
      }
      entry = load(v);
      loaded.set(key, entry);
      return (await entry).reranker;
    },
    async close() {
      const all = await Promise.all(loaded.values());
      loaded.clear();
      await Promise.all(all.map((l) => l.scorer?.close()));
    },
  };
}

// Fail-open reranking: score within a budget, or hand back the ANN order with the reason.
// A scorer that is slow or failing trips the breaker, which then skips at once (no
// waiting out the budget on every request) until a probe after the cooldown succeeds.
import type { Logger } from "pino";
import { createCircuitBreaker, type CircuitBreaker } from "./circuitBreaker.ts";
import type { RerankMetrics } from "./rerankMetrics.ts";
import type { Scorer } from "./scorer.ts";

export type SkipReason = "timeout" | "error" | "breaker_open" | "disabled" | "no_model" | "deadline";

export interface Candidate {
  id: string;
  text: string;
}

export type RerankOutcome =
  | { reranked: true; order: string[]; scores: number[]; latencyMs: number }
  | { reranked: false; order: string[]; skipReason: SkipReason; latencyMs: number };

export interface Reranker {
  /** candidates in ANN order; returns the reranked order, or ANN order with why. */
  rerank(query: string, candidates: Candidate[], budgetMs: number): Promise<RerankOutcome>;
}

export function createReranker(opts: {
  scorer: Scorer | undefined;
  enabled: () => boolean;
  breaker: CircuitBreaker;
  metrics: RerankMetrics;
  onError?: (err: unknown) => void;
}): Reranker {
  const { breaker, metrics } = opts;
  return {
    async rerank(query, candidates, budgetMs) {
      const start = performance.now();
      const annOrder = candidates.map((c) => c.id);
      metrics.call(candidates.length);
      const skip = (skipReason: SkipReason): RerankOutcome => {
        metrics.skipped(skipReason);
        metrics.breakerState(breaker.state());
        return { reranked: false, order: annOrder, skipReason, latencyMs: performance.now() - start };
      };
      if (!opts.enabled()) return skip("disabled");
      if (!opts.scorer) return skip("no_model");
      if (budgetMs <= 0) return skip("deadline");
      if (!breaker.allow()) return skip("breaker_open");

      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), budgetMs);
      });
      try {
        const result = await Promise.race([opts.scorer.score(query, candidates.map((c) => c.text)), timeout]);
        if (result === "timeout") {
          breaker.failure();
          return skip("timeout");
        }
        breaker.success();
        const order = candidates
          .map((c, i) => ({ id: c.id, score: result[i]!, i }))
          .sort((a, b) => b.score - a.score || a.i - b.i);
        const latencyMs = performance.now() - start;
        metrics.scored(latencyMs);
        metrics.breakerState(breaker.state());
        return { reranked: true, order: order.map((o) => o.id), scores: order.map((o) => o.score), latencyMs };
      } catch (err) {
        breaker.failure();
        opts.onError?.(err);
        return skip("error");
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A reranker with a breaker of its own that logs scoring failures by code (never content). */
export function createLoggedReranker(opts: {
  scorer: Scorer | undefined;
  enabled: () => boolean;
  breaker: Parameters<typeof createCircuitBreaker>[0];
  metrics: RerankMetrics;
  logger: Logger;
}): Reranker {
  return createReranker({
    scorer: opts.scorer,
    enabled: opts.enabled,
    breaker: createCircuitBreaker(opts.breaker),
    metrics: opts.metrics,
    onError: (err) => opts.logger.warn({ code: (err as { code?: string }).code ?? "INTERNAL" }, "rerank scoring failed; ANN order returned"),
  });
}

// Rerank metrics: Prometheus (prom-client) and a snapshot for getRerankMetrics().
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { BreakerState } from "./circuitBreaker.ts";
import type { SkipReason } from "./reranker.ts";

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const WINDOW = 2_000;

export function createRerankMetrics(registry: Registry) {
  const latency = new Histogram({
    name: "memvault_rerank_seconds",
    help: "Cross-encoder scoring time per request (successful calls).",
    buckets: [0.005, 0.01, 0.02, 0.04, 0.075, 0.1, 0.15, 0.25, 0.5, 1],
    registers: [registry],
  });
  const calls = new Counter({ name: "memvault_rerank_calls_total", help: "Rerank requests.", registers: [registry] });
  const skips = new Counter({
    name: "memvault_rerank_skips_total",
    help: "Requests answered in ANN order, by reason (timeout, error, breaker_open, disabled, no_model, deadline).",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const batch = new Histogram({
    name: "memvault_rerank_batch_size",
    help: "Candidates per rerank request.",
    buckets: [1, 4, 8, 16, 24, 32, 48, 64, 100],
    registers: [registry],
  });
  const breaker = new Gauge({ name: "memvault_rerank_breaker_state", help: "0 closed, 1 half-open, 2 open.", registers: [registry] });
  const deviceFallbacks = new Counter({
    name: "memvault_rerank_device_fallbacks_total",
    help: "Times the CUDA execution provider could not load and the CPU was used.",
    registers: [registry],
  });
  const recent: number[] = [];
  const skipCounts: Partial<Record<SkipReason, number>> = {};
  let callCount = 0;
  let state: BreakerState = "closed";
  return {
    deviceFallbacks,
    call(candidates: number) {
      callCount++;
      calls.inc();
      batch.observe(candidates);
    },
    scored(ms: number) {
      latency.observe(ms / 1000);
      recent.push(ms);
      if (recent.length > WINDOW) recent.shift();
    },
    skipped(reason: SkipReason) {
      skips.inc({ reason });
      skipCounts[reason] = (skipCounts[reason] ?? 0) + 1;
    },
    breakerState(s: BreakerState) {
      state = s;
      breaker.set(BREAKER_VALUE[s]);
    },
    /** Latency percentiles over the last 2,000 scored requests. */
    snapshot() {
      const sorted = [...recent].sort((a, b) => a - b);
      const p = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : Number.NaN);
      return { calls: callCount, skips: { ...skipCounts }, p50Ms: p(0.5), p95Ms: p(0.95), p99Ms: p(0.99), breaker: state };
    },
  };
}

export type RerankMetrics = ReturnType<typeof createRerankMetrics>;

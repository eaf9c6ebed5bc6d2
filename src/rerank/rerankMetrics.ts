// Rerank metrics: Prometheus (prom-client), labelled by the variant that scored (settings: the
// worker's RERANK_* settings), and a per-variant snapshot for getRerankMetrics().
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { BreakerState } from "./circuitBreaker.ts";
import type { SkipReason } from "./reranker.ts";
import { SETTINGS_VARIANT } from "../rerankVariant.ts";

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
const WINDOW = 2_000;

function createFamilies(registry: Registry) {
  const labelNames = ["variant"] as const;
  return {
    latency: new Histogram({
      name: "memvault_rerank_seconds",
      help: "Cross-encoder scoring time per request (successful calls), by variant.",
      labelNames,
      buckets: [0.005, 0.01, 0.02, 0.04, 0.075, 0.1, 0.15, 0.25, 0.5, 1],
      registers: [registry],
    }),
    calls: new Counter({ name: "memvault_rerank_calls_total", help: "Rerank requests, by variant.", labelNames, registers: [registry] }),
    skips: new Counter({
      name: "memvault_rerank_skips_total",
      help: "Requests answered in ANN order, by variant and reason (timeout, error, breaker_open, disabled, no_model, deadline).",
      labelNames: ["variant", "reason"] as const,
      registers: [registry],
    }),
    batch: new Histogram({
      name: "memvault_rerank_batch_size",
      help: "Candidates per rerank request, by variant.",
      labelNames,
      buckets: [1, 4, 8, 16, 24, 32, 48, 64, 100],
      registers: [registry],
    }),
    breaker: new Gauge({ name: "memvault_rerank_breaker_state", help: "0 closed, 1 half-open, 2 open; one breaker per variant.", labelNames, registers: [registry] }),
    deviceFallbacks: new Counter({
      name: "memvault_rerank_device_fallbacks_total",
      help: "Times the CUDA execution provider could not load and the CPU was used.",
      registers: [registry],
    }),
    modelFallbacks: new Counter({
      name: "memvault_rerank_model_fallbacks_total",
      help: "Times RERANK_MODEL_FILE could not be used (missing, built for instructions this CPU lacks, or not loadable) and the fp32 model.onnx was loaded instead.",
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: "memvault_rerank_model_info",
      help: "1 for the cross-encoder file this process scores with (relative to RERANK_MODEL_DIR) and its weights' precision.",
      labelNames: ["file", "precision"] as const,
      registers: [registry],
    }),
  };
}

// One set of metric families per registry: prom-client refuses a name registered twice.
const families = new WeakMap<Registry, ReturnType<typeof createFamilies>>();

export function createRerankMetrics(registry: Registry, variant = SETTINGS_VARIANT) {
  let f = families.get(registry);
  if (!f) families.set(registry, (f = createFamilies(registry)));
  const labels = { variant };
  const recent: number[] = [];
  const skipCounts: Partial<Record<SkipReason, number>> = {};
  let callCount = 0;
  let state: BreakerState = "closed";
  f.breaker.set(labels, 0);
  return {
    variant,
    deviceFallbacks: f.deviceFallbacks,
    modelFallbacks: f.modelFallbacks,
    modelInfo: f.modelInfo,
    call(candidates: number) {
      callCount++;
      f.calls.inc(labels);
      f.batch.observe(labels, candidates);
    },
    scored(ms: number) {
      f.latency.observe(labels, ms / 1000);
      recent.push(ms);
      if (recent.length > WINDOW) recent.shift();
    },
    skipped(reason: SkipReason) {
      f.skips.inc({ variant, reason });
      skipCounts[reason] = (skipCounts[reason] ?? 0) + 1;
    },
    breakerState(s: BreakerState) {
      state = s;
      f.breaker.set(labels, BREAKER_VALUE[s]);
    },
    /** Latency percentiles over the last 2,000 scored requests. */
    snapshot() {
      const sorted = [...recent].sort((a, b) => a - b);
      const p = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : Number.NaN);
      return { variant, calls: callCount, skips: { ...skipCounts }, p50Ms: p(0.5), p95Ms: p(0.95), p99Ms: p(0.99), breaker: state };
    },
  };
}

export type RerankMetrics = ReturnType<typeof createRerankMetrics>;

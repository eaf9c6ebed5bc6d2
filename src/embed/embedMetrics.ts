// Embedding metrics (prom-client), per process: the worker embeds passages, the API queries.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export function createEmbedMetrics(registry: Registry) {
  return {
    seconds: new Histogram({
      name: "memvault_embed_seconds",
      help: "Time per embedding call (successful calls).",
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    texts: new Counter({ name: "memvault_embed_texts_total", help: "Texts embedded.", registers: [registry] }),
    failures: new Counter({ name: "memvault_embed_failures_total", help: "Failed embedding calls, by code.", labelNames: ["code"] as const, registers: [registry] }),
    up: new Gauge({ name: "memvault_embedder_up", help: "1 when this process has an embedder (a loaded model or a server URL), else 0.", registers: [registry] }),
    deviceFallbacks: new Counter({
      name: "memvault_embed_device_fallbacks_total",
      help: "Times the CUDA execution provider could not load for the embedder and the CPU was used.",
      registers: [registry],
    }),
  };
}

export type EmbedMetrics = ReturnType<typeof createEmbedMetrics>;

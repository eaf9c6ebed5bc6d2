// The API's Prometheus metrics, on their own registry (served at /metrics). The pool's
// utilisation is sampled 50 times a second into a histogram, so a scrape every few seconds
// still shows the brief peaks an average would hide (and a bench can read p95 and max).
import type pg from "pg";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { MemoryBucket } from "./memoryBucket.ts";

export const POOL_SAMPLE_INTERVAL_MS = 20;

export function createApiMetrics(pool: pg.Pool, poolSize: number, bucket: MemoryBucket) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "memvault_api_" });
  const metrics = {
    registry,
    requests: new Histogram({
      name: "memvault_api_request_seconds",
      help: "HTTP request latency by route and, for /graphql, operation (its known root fields).",
      labelNames: ["route", "operation", "status"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    authSeconds: new Histogram({
      name: "memvault_api_auth_seconds",
      help: "Bearer token verification (signature, claims), per request or socket.",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    }),
    authFailures: new Counter({ name: "memvault_api_auth_failures_total", help: "Requests and sockets refused for their token, by code.", labelNames: ["code"] as const, registers: [registry] }),
    errorsByCode: new Counter({ name: "memvault_api_errors_total", help: "GraphQL errors and refused operations, by stable code.", labelNames: ["code"] as const, registers: [registry] }),
    admissions: new Counter({
      name: "memvault_api_admissions_total",
      help: "Memory operations by class (writes, searches, reranks, reads, subscriptions; memory = the process-wide bucket) and outcome (admitted, rate_limited, shed).",
      labelNames: ["class", "outcome"] as const,
      registers: [registry],
    }),
  };
  const utilisation = new Histogram({
    name: "memvault_api_db_pool_utilization",
    help: `Checked-out share of the API's database pool, sampled every ${POOL_SAMPLE_INTERVAL_MS} ms.`,
    buckets: Array.from({ length: 20 }, (_, i) => (i + 1) / 20),
    registers: [registry],
  });
  new Gauge({
    name: "memvault_api_db_pool_connections",
    help: "The API's connections to PostgreSQL by state (total, idle, waiting requests, size).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
      this.set({ state: "size" }, poolSize);
    },
  });
  new Gauge({
    name: "memvault_api_memory_bucket",
    help: "The memory bucket right now: requests in service (inflight), pool connections held by memory transactions, transactions waiting for one.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const { inflight, connectionsInUse, waiting } = bucket.stats();
      this.set({ state: "inflight" }, inflight);
      this.set({ state: "connections" }, connectionsInUse);
      this.set({ state: "waiting" }, waiting);
    },
  });
  const sampler = setInterval(() => utilisation.observe((pool.totalCount - pool.idleCount) / poolSize), POOL_SAMPLE_INTERVAL_MS);
  sampler.unref();
  return { ...metrics, stop: () => clearInterval(sampler) };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

// Prometheus metrics of a worker process (prom-client). The backlog gauges read the
// job queue when scraped, so they cost nothing between scrapes.
import type pg from "pg";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { selectAliveWorkerProcesses } from "../sql/selectAliveWorkerProcesses.ts";
import { selectKeySealReservations } from "../sql/selectKeySealReservations.ts";
import { selectRolloutGauges } from "../sql/selectRolloutGauges.ts";
import { selectSealBacklog } from "../sql/selectSealBacklog.ts";

/** Gauges that prom-client collects together in one scrape share one query. */
function oncePerScrape<T>(query: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => (running ??= query().finally(() => setImmediate(() => (running = undefined))));
}

/** What this process counts: jobs, their latency, seal transactions, memories, seals, dead workers, rollout decisions. */
function processCounters(registry: Registry) {
  const jobs = new Counter({
    name: "memvault_jobs_total",
    help: "Jobs finished, by task and outcome (done, failed: will retry, gave_up: max attempts reached).",
    labelNames: ["task", "outcome"] as const,
    registers: [registry],
  });
  const jobLatency = new Histogram({
    name: "memvault_job_start_latency_seconds",
    help: "From the time a job was due (added, or its retry time) to the time a worker started it.",
    labelNames: ["task"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const sealBatch = new Histogram({
    name: "memvault_seal_batch_seconds",
    help: "One seal or re-seal transaction: claim, seal, write back, commit.",
    labelNames: ["task"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const memoriesStored = new Counter({
    name: "memvault_memories_stored_total",
    help: "Memories stored: pending writes sealed (each field encrypted) and moved into memory_chunks.",
    registers: [registry],
  });
  const memoriesResealed = new Counter({
    name: "memvault_memories_resealed_total",
    help: "Memories re-sealed under the primary key version.",
    registers: [registry],
  });
  const memoriesExpired = new Counter({
    name: "memvault_memories_expired_total",
    help: "Expired memories deleted by expire_memories.",
    registers: [registry],
  });
  const seals = new Counter({
    name: "memvault_seals_total",
    help: "AES-GCM seals performed by this process, by key version (NIST SP 800-38D allows 2^32 per key).",
    labelNames: ["key_version"] as const,
    registers: [registry],
  });
  const deadWorkers = new Counter({
    name: "memvault_dead_workers_total",
    help: "Worker ids this process found dead (no heartbeat for WORKER_DEAD_AFTER_SECONDS) and unlocked the jobs of.",
    registers: [registry],
  });
  const rolloutDecisions = new Counter({
    name: "memvault_rollout_decisions_total",
    help: "Rollout evaluations by this worker, by rollout and decision (hold, fail, advance, promote, rollback).",
    labelNames: ["rollout", "decision"] as const,
    registers: [registry],
  });
  return { deadWorkers, rolloutDecisions, jobs, jobLatency, sealBatch, memoriesStored, memoriesResealed, memoriesExpired, seals };
}

/** Gauges read from the database when scraped: the seal backlog, live workers, seal reservations. */
function queueGauges(registry: Registry, pool: pg.Pool, deadAfterSeconds: number): void {
  // Both backlog gauges come from one query per scrape: prom-client collects them together.
  const backlog = oncePerScrape(() => selectSealBacklog(pool));
  new Gauge({
    name: "memvault_seal_backlog_jobs",
    help: "Seal and re-seal jobs waiting or running, by task.",
    labelNames: ["task"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await backlog()) this.set({ task: row.task_identifier }, row.jobs);
    },
  });
  new Gauge({
    name: "memvault_seal_backlog_oldest_age_seconds",
    help: "Age of the oldest waiting seal or re-seal job, by task.",
    labelNames: ["task"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await backlog()) this.set({ task: row.task_identifier }, row.oldest_age_seconds);
    },
  });
  new Gauge({
    name: "memvault_worker_processes_alive",
    help: "Worker processes with a fresh heartbeat, as the database sees them.",
    registers: [registry],
    async collect() {
      this.set(await selectAliveWorkerProcesses(pool, deadAfterSeconds));
    },
  });
  new Gauge({
    name: "memvault_key_seals_reserved",
    help: "Seals reserved per key version across every process (an upper bound on encryptions; NIST SP 800-38D allows 2^32 per key).",
    labelNames: ["key_version"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await selectKeySealReservations(pool)) this.set({ key_version: String(r.key_version) }, r.reserved);
    },
  });
}

/** Rollout gauges, from the database at scrape time, so every worker reports the same. */
function rolloutGauges(registry: Registry, pool: pg.Pool): void {
  const rollouts = oncePerScrape(() => selectRolloutGauges(pool));
  new Gauge({
    name: "memvault_rollout_treatment_share_basis_points",
    help: "Share of tenants the rollout's treatment serves (0 after a rollback or abort, 10000 once promoted); rollouts active or ended in the last day.",
    labelNames: ["rollout", "treatment"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rollouts()) this.set({ rollout: r.name, treatment: r.treatment }, r.share_bp);
    },
  });
  new Gauge({
    name: "memvault_rollout_failures",
    help: "Failed guardrail intervals counted toward the rollout's failure limit.",
    labelNames: ["rollout"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rollouts()) this.set({ rollout: r.name }, r.failures);
    },
  });
  new Gauge({
    name: "memvault_rollout_state",
    help: "1 for the rollout's current state (pending, running, paused, promoted, rolled_back, aborted).",
    labelNames: ["rollout", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rollouts()) this.set({ rollout: r.name, state: r.state }, 1);
    },
  });
}

export function createWorkerMetrics(pool: pg.Pool, opts: { deadAfterSeconds?: number } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "memvault_worker_" });
  const counters = processCounters(registry);
  queueGauges(registry, pool, opts.deadAfterSeconds ?? 30);
  rolloutGauges(registry, pool);
  return { registry, ...counters };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

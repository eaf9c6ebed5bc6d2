// The worker process: how many jobs at once, which tasks, how it finds dead peers, its
// batches and its metrics listener.
import { int, list, optionalInt, readSettings, type Env } from "./settings.ts";

export const WORKER_SETTINGS = {
  WORKER_CONCURRENCY: int("Jobs run at once per worker process (one per core here).", 2, 1, 64),
  WORKER_TASKS: list("Comma-separated task identifiers this worker runs (e.g. rerank_search alone, for latency). Unset: all.", () => undefined),
  WORKER_DEAD_AFTER_SECONDS: int("A worker whose heartbeat is this old is dead, and its jobs are unlocked.", 30, 1, 86_400),
  SEAL_BATCH_SIZE: int("Pending writes a seal_batch or reseal_chunks job claims per transaction.", 500, 1, 10_000),
  PURGE_BATCH_SIZE: int("Memories a purge_tenant job (after an erasure) deletes per transaction.", 1_000, 1, 100_000),
  PURGE_DUTY_PERCENT: int("The share of its time a purge_tenant job spends deleting: after each transaction it rests in proportion (50: as long as the transaction took), so other tenants' searches keep their pace.", 50, 1, 100),
  METRICS_PORT: int("The worker's Prometheus /metrics (on METRICS_HOST); 0 turns it off.", 9464, 0, 65_535),
  MEMVAULT_PARENT_PID: optionalInt("Set by `memvault start` for its worker, which stops when that process is gone.", 1, 4_194_304),
};

export const readWorkerConfig = (env: Env = process.env) => {
  const c = readSettings(WORKER_SETTINGS, env);
  return { ...c, WORKER_TASKS: c.WORKER_TASKS.length ? c.WORKER_TASKS : undefined };
};

// A memvault worker process: graphile-worker running tasks/ as memvault_worker, with
// structured logs, Prometheus metrics, worker heartbeats, and a graceful drain on SIGTERM.
import { enforceErasures } from "../keys/enforceErasures.ts";
import { readDbConfig } from "../config/dbConfig.ts";
import { readWorkerConfig } from "../config/workerConfig.ts";
import type { PurgeOptions } from "./purgeTenant.ts";
import { EventEmitter } from "node:events";
import type pg from "pg";
import { Logger as GraphileLogger, parseCronItems, run, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import { createPool } from "../db/createPool.ts";
import { createSealCounter } from "../crypto/sealCounter.ts";
import { reserveSeals } from "../sql/reserveSeals.ts";
import { logger } from "../logger.ts";
import { serveMetrics } from "../metricsServer.ts";
import { readEmbedConfig } from "../config/embedConfig.ts";
import { readRerankConfig } from "../config/rerankConfig.ts";
import { readSearchConfig } from "../config/searchConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { createRerankerFromConfig } from "../rerank/createRerankerFromConfig.ts";
import { createVariantRerankers } from "../rerank/variantRerankers.ts";
import { createEmbedderFromConfig } from "../embed/createEmbedderFromConfig.ts";
import { openTenantKeys } from "../keys/openTenantKeys.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { loadTasks } from "./loadTasks.ts";
import { startVariantPrefetch } from "./prefetchVariants.ts";
import type { WorkerContext } from "./workerContext.ts";
import { startLiveness, type Liveness } from "./workerLiveness.ts";
import { createWorkerMetrics, type WorkerMetrics } from "./workerMetrics.ts";

export interface WorkerOptions {
  connectionString: string;
  /** Default: MEMVAULT_KEYRING / MEMVAULT_KEYRING_FILE. */
  keyringSource?: Parameters<typeof createKeyringProvider>[0];
  concurrency: number;
  batchSize: number;
  metricsPort: number;
  metricsHost: string;
  heartbeatMs?: number;
  deadAfterSeconds?: number;
  searchRetentionSeconds?: number;
  /** Default: KEYWORD_INDEX. */
  keywordIndex?: boolean;
  /** Only these task identifiers (e.g. a rerank-only worker); default all in tasks/. */
  tasks?: string[];
}

export interface RunningWorker {
  stop(): Promise<void>;
  metricsUrl?: string;
  promise: Promise<void>;
  /** graphile-worker's events (job:start, job:success, …), for benchmarks and embedding. */
  events: WorkerEvents;
}

const graphileLogger = new GraphileLogger((scope) => (level, message, meta) => {
  const fields = { scope: { workerId: scope.workerId, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, ...(meta?.error ? { code: (meta.error as { code?: unknown }).code } : {}) };
  const pinoLevel = level === "warning" ? "warn" : level === "error" ? "error" : level === "debug" ? "debug" : "info";
  // graphile-worker's messages name jobs and errors; error text is already a code (JobError).
  logger[pinoLevel](fields, message);
});

function purgeOptions(connectionString: string): PurgeOptions {
  const c = readWorkerConfig();
  const database = decodeURIComponent(new URL(connectionString).pathname.slice(1));
  return { batch: c.PURGE_BATCH_SIZE, dutyPercent: c.PURGE_DUTY_PERCENT, backups: { dir: readDbConfig().MEMVAULT_BACKUP_DIR, database } };
}

/** What tasks get (workerContext.ts): the keyring, the seal counter, the rerankers and the embedder. */
async function openWorkerContext(opts: WorkerOptions, pool: pg.Pool, metrics: WorkerMetrics, draining: AbortSignal) {
  const rerank = readRerankConfig();
  // Fail closed before touching the queue: no keyring, no worker.
  const keyrings = createKeyringProvider(opts.keyringSource);
  // And no KEK, no worker: a wrong PIN or a missing key stops it here, with its code.
  const tenantKeys = openTenantKeys(keyrings);
  // Seals are drawn from blocks reserved in the database: the 2^32 bound holds across
  // processes and restarts.
  const counter = createSealCounter({
    reserver: (version, seals) => reserveSeals(pool, version, seals),
    onWarn: (version, seals) => logger.warn({ keyVersion: version, seals }, "key version nearing its random-nonce limit: rotate the keyring"),
  });
  const { reranker, scorer } = await createRerankerFromConfig(metrics.registry, logger);
  const rerankers = createVariantRerankers({
    settings: reranker,
    registry: metrics.registry,
    logger,
    enabled: () => rerank.RERANK_ENABLED,
    breaker: rerank.breaker,
    device: rerank.RERANK_DEVICE,
    allowedRemoteUrls: rerank.RERANK_REMOTE_ALLOWED_URLS,
  });
  const embedder = await createEmbedderFromConfig(metrics.registry, logger);
  const ctx: WorkerContext = {
    keyrings,
    tenantKeys,
    counter,
    metrics,
    batchSize: opts.batchSize,
    logger,
    draining,
    rerankers,
    searchRetentionSeconds: opts.searchRetentionSeconds ?? 3_600,
    embedder,
    embedBatchSize: readEmbedConfig().EMBED_BATCH_SIZE,
    keywordIndex: opts.keywordIndex ?? readSearchConfig().KEYWORD_INDEX,
    purge: purgeOptions(opts.connectionString),
  };
  return { ctx, close: async () => Promise.all([scorer?.close(), embedder.close(), rerankers.close(), tenantKeys.kek.close()]) };
}

/** Every task run is tracked, so that a drain can wait for the last job to be completed in the database before the pool closes. */
async function trackedTasks(ctx: WorkerContext, only: string[] | undefined, inflight: Set<Promise<void>>): Promise<TaskList> {
  const taskList: TaskList = {};
  for (const [name, task] of Object.entries(await loadTasks(ctx, only))) {
    taskList[name] = (payload, helpers) => {
      const run = Promise.resolve(task(payload, helpers)).then(() => undefined);
      const settled = run.catch(() => undefined).then(() => void inflight.delete(settled));
      inflight.add(settled);
      return run;
    };
  }
  return taskList;
}

/** graphile-worker's events, feeding the heartbeats and the job metrics. */
function workerEvents(metrics: WorkerMetrics, liveness: Liveness): WorkerEvents {
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  // graphile-worker 0.18 locks jobs under the pool's id, older paths under worker ids: beat for both.
  events.on("pool:create", ({ workerPool }) => void liveness.add(workerPool.id).catch(() => {}));
  events.on("worker:create", ({ worker }) => void liveness.add(worker.workerId).catch(() => {}));
  events.on("worker:stop", ({ worker }) => void liveness.remove(worker.workerId).catch(() => {}));
  events.on("job:start", ({ job }) => {
    const due = Math.max(new Date(job.run_at).getTime(), new Date(job.created_at).getTime());
    metrics.jobLatency.observe({ task: job.task_identifier }, Math.max(0, Date.now() - due) / 1000);
  });
  events.on("job:success", ({ job }) => metrics.jobs.inc({ task: job.task_identifier, outcome: "done" }));
  events.on("job:error", ({ job }) => metrics.jobs.inc({ task: job.task_identifier, outcome: "failed" }));
  events.on("job:failed", ({ job }) => metrics.jobs.inc({ task: job.task_identifier, outcome: "gave_up" }));
  return events;
}

// Rollout evaluation chains itself by job key; cron re-adds it every minute (keeping a
// pending run's time), so a chain lost to a crash is picked up within a minute.
const cronFor = (taskList: TaskList) =>
  taskList.evaluate_rollouts
    ? parseCronItems([{ task: "evaluate_rollouts", match: "* * * * *", identifier: "evaluate_rollouts", options: { backfillPeriod: 0, maxAttempts: 1, jobKey: "evaluate_rollouts", jobKeyMode: "preserve_run_at" } }])
    : [];

async function usingClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

export async function runWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const pool = createPool({ connectionString: opts.connectionString, max: opts.concurrency + 3 }, logger, "worker");
  const metrics = createWorkerMetrics(pool, { deadAfterSeconds: opts.deadAfterSeconds ?? 30 });
  const draining = new AbortController();
  const worker = await openWorkerContext(opts, pool, metrics, draining.signal);
  // Before serving: no erased tenant comes back with a restored backup (enforceErasures).
  await usingClient(pool, (client) => enforceErasures(client, worker.ctx.tenantKeys.ledger, logger)).catch(async (err: unknown) => {
    await worker.close();
    await pool.end();
    throw err;
  });
  const inflight = new Set<Promise<void>>();
  const taskList = await trackedTasks(worker.ctx, opts.tasks, inflight);
  const { rerankers } = worker.ctx;
  const prefetch = await startVariantPrefetch({ pool, connectionString: opts.connectionString, rerankers, logger });
  const liveness = startLiveness(pool, logger, {
    intervalMs: opts.heartbeatMs ?? 5_000,
    deadAfterSeconds: opts.deadAfterSeconds ?? 30,
    onDead: (n) => metrics.deadWorkers.inc(n),
  });
  const events = workerEvents(metrics, liveness);

  let runner: Runner;
  try {
    runner = await run({ pgPool: pool, concurrency: opts.concurrency, taskList, logger: graphileLogger, events, noHandleSignals: true, pollInterval: 1_000, parsedCronItems: cronFor(taskList) });
  } catch (err) {
    await liveness.stop();
    await prefetch.stop();
    await pool.end();
    throw err;
  }

  const metricsServer =
    opts.metricsPort > 0
      ? await serveMetrics(metrics.registry, opts.metricsPort, opts.metricsHost).catch(async (err: unknown) => {
          await runner.stop();
          await Promise.allSettled([liveness.stop(), prefetch.stop()]);
          await pool.end();
          throw (err as { code?: string }).code === "EADDRINUSE" ? new ConfigError("METRICS_PORT", `${opts.metricsHost}:${opts.metricsPort} is in use`) : err;
        })
      : undefined;
  const metricsUrl = metricsServer?.url;
  logger.info({ concurrency: opts.concurrency, tasks: Object.keys(taskList), metricsUrl }, "worker started");

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info("draining: waiting for running jobs");
      draining.abort();
      await runner.stop();
      await Promise.all(inflight);
      // graphile-worker records the outcome of a job just after its task settles.
      await new Promise((r) => setTimeout(r, 100));
      await liveness.stop();
      await prefetch.stop();
      await worker.close();
      await metricsServer?.close();
      await pool.end();
      logger.info("worker stopped");
    })());
  return { stop, ...(metricsUrl ? { metricsUrl } : {}), promise: runner.promise, events };
}

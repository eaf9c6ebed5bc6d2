// Runs a worker with the configured options until SIGTERM/SIGINT, or until the runner
// ends by itself (e.g. a fatal database error); either way through stop(): drain,
// heartbeats removed, pool closed, logs flushed.
import { readProcessConfig } from "../config/processConfig.ts";
import { readRerankConfig } from "../config/rerankConfig.ts";
import { readWorkerConfig } from "../config/workerConfig.ts";
import type { KeyringSource } from "../config/keysConfig.ts";
import { runWorker } from "../worker/runWorker.ts";

export async function serveWorker(
  connectionString: string,
  keyringSource: KeyringSource,
  onReady: (metricsUrl?: string) => void = () => {},
): Promise<void> {
  const workerConfig = readWorkerConfig();
  const worker = await runWorker({
    connectionString,
    keyringSource,
    concurrency: workerConfig.WORKER_CONCURRENCY,
    batchSize: workerConfig.SEAL_BATCH_SIZE,
    metricsPort: workerConfig.METRICS_PORT,
    metricsHost: readProcessConfig().METRICS_HOST,
    deadAfterSeconds: workerConfig.WORKER_DEAD_AFTER_SECONDS,
    heartbeatMs: Math.min(5_000, (workerConfig.WORKER_DEAD_AFTER_SECONDS * 1000) / 3),
    searchRetentionSeconds: readRerankConfig().RERANK_RETENTION_SECONDS,
    ...(workerConfig.WORKER_TASKS ? { tasks: workerConfig.WORKER_TASKS } : {}),
  });
  onReady(worker.metricsUrl);
  await new Promise<void>((resolve, reject) => {
    const shutdown = () => void worker.stop().then(resolve, reject);
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
    // Started by `memvault start`: stop when that parent is gone, however it went (killed
    // outright included, even before this process got this far): it is then no longer our
    // parent.
    const parentPid = workerConfig.MEMVAULT_PARENT_PID;
    if (parentPid !== undefined) {
      const watch = setInterval(() => process.ppid !== parentPid && (clearInterval(watch), shutdown()), 1_000);
      watch.unref();
    }
    worker.promise.then(shutdown, (err: unknown) => void worker.stop().finally(() => reject(err)));
  });
}

// Runs a worker with the configured options until SIGTERM/SIGINT, or until the runner
// ends by itself (e.g. a fatal database error); either way through stop(): drain,
// heartbeats removed, pool closed, logs flushed.
import { config } from "../config.ts";
import type { KeyringSource } from "../crypto/findKeyringSource.ts";
import { runWorker } from "../worker/runWorker.ts";

export async function serveWorker(
  connectionString: string,
  keyringSource: KeyringSource,
  onReady: (metricsUrl?: string) => void = () => {},
): Promise<void> {
  const worker = await runWorker({
    connectionString,
    keyringSource,
    concurrency: config.workerConcurrency(),
    batchSize: config.sealBatchSize(),
    metricsPort: config.metricsPort(),
    metricsHost: config.metricsHost(),
    deadAfterSeconds: config.workerDeadAfterSeconds(),
    heartbeatMs: Math.min(5_000, (config.workerDeadAfterSeconds() * 1000) / 3),
    searchRetentionSeconds: config.rerankRetentionSeconds(),
    ...(config.workerTasks() ? { tasks: config.workerTasks()! } : {}),
  });
  onReady(worker.metricsUrl);
  await new Promise<void>((resolve, reject) => {
    const shutdown = () => void worker.stop().then(resolve, reject);
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
    // Started by `memvault start`: stop when that parent is gone, however it went (killed
    // outright included, even before this process got this far): it is then no longer our
    // parent.
    const parentPid = config.workerParentPid();
    if (parentPid !== undefined) {
      const watch = setInterval(() => process.ppid !== parentPid && (clearInterval(watch), shutdown()), 1_000);
      watch.unref();
    }
    worker.promise.then(shutdown, (err: unknown) => void worker.stop().finally(() => reject(err)));
  });
}

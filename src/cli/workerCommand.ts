// `memvault worker`: runs jobs until SIGTERM/SIGINT, then drains.
import { config } from "../config.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { roleUrl } from "../db/localCluster.ts";
import { runWorker } from "../worker/runWorker.ts";

export async function workerCommand(): Promise<void> {
  let connectionString = config.workerDatabaseUrl();
  if (!connectionString) {
    const target = await resolveTarget({ start: false });
    if (!target.cluster) throw new Error("WORKER_DATABASE_URL is required with DATABASE_URL");
    connectionString = roleUrl(target.cluster, "worker", target.databaseName);
  }
  const worker = await runWorker({
    connectionString,
    concurrency: config.workerConcurrency(),
    batchSize: config.sealBatchSize(),
    metricsPort: config.metricsPort(),
    metricsHost: config.metricsHost(),
    deadAfterSeconds: config.workerDeadAfterSeconds(),
    heartbeatMs: Math.min(5_000, (config.workerDeadAfterSeconds() * 1000) / 3),
  });
  // Either a signal or the runner ending by itself (e.g. a fatal database error) ends the
  // process, always through stop(): drain, heartbeats removed, pool closed, logs flushed.
  await new Promise<void>((resolve, reject) => {
    const shutdown = () => void worker.stop().then(resolve, reject);
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
    worker.promise.then(shutdown, (err: unknown) => void worker.stop().finally(() => reject(err)));
  });
}

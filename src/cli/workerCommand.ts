// `memvault worker`: runs jobs until SIGTERM/SIGINT, then drains.
import { checkConfig } from "../config/checkConfig.ts";
import { readDbConfig } from "../config/dbConfig.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { roleUrl } from "../db/localCluster.ts";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import { logger } from "../logger.ts";
import { serveWorker } from "./serveWorker.ts";

export async function workerCommand(): Promise<void> {
  // Every setting the worker reads, checked together before it connects.
  checkConfig(["process", "db", "worker", "rerank", "embed", "search", "kek"]);
  let connectionString = readDbConfig().WORKER_DATABASE_URL;
  const onLocalCluster = !connectionString;
  if (!connectionString) {
    const target = await resolveTarget({ start: false });
    if (!target.cluster) throw new Error("WORKER_DATABASE_URL is required with DATABASE_URL");
    connectionString = roleUrl(target.cluster, "worker", target.databaseName);
  }
  await serveWorker(connectionString, findKeyringSource(onLocalCluster), (metricsUrl) => logger.info(`worker running${metricsUrl ? `; metrics at ${metricsUrl}` : ""}`));
}

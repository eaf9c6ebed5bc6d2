// `memvault start` (what `npm start` runs): the local cluster (unless DATABASE_URL is
// set), migrations, then the worker in this process until SIGTERM/SIGINT. The API joins
// here when it lands.
import fs from "node:fs";
import path from "node:path";
import { config } from "../config.ts";
import { newKeyringDocument } from "../crypto/keyring.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { roleUrl } from "../db/localCluster.ts";
import { migrateDatabase } from "../db/migrateDatabase.ts";
import { serveWorker } from "./serveWorker.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

/**
 * Local development only: with no keyring configured and the local cluster in use, a
 * random keyring is created once in MEMVAULT_HOME (0600) and used from there. There is
 * never a built-in key; production sets MEMVAULT_KEYRING or MEMVAULT_KEYRING_FILE.
 */
function ensureDevelopmentKeyring(home: string): void {
  if (process.env.MEMVAULT_KEYRING || process.env.MEMVAULT_KEYRING_FILE) return;
  const file = path.join(home, "keyring.json");
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, JSON.stringify(newKeyringDocument(), null, 2) + "\n", { mode: 0o600, flag: "wx" });
    say(`created a development keyring at ${file} (random keys, mode 0600; production sets MEMVAULT_KEYRING_FILE)`);
  }
  process.env.MEMVAULT_KEYRING_FILE = file;
}

export async function startCommand(): Promise<void> {
  const target = await resolveTarget({ start: true, log: say });
  await migrateDatabase(target, say);
  const where = target.cluster ? `local cluster on 127.0.0.1:${target.cluster.port}` : "the configured database";
  say(`database ready (${where}, database ${target.databaseName})`);
  say(`DBA prompt: eval "$(bin/memvault db env)" && psql`);

  let workerUrl = config.workerDatabaseUrl();
  if (target.cluster) {
    ensureDevelopmentKeyring(target.cluster.home);
    workerUrl ??= roleUrl(target.cluster, "worker", target.databaseName);
  }
  if (!workerUrl) throw new Error("WORKER_DATABASE_URL is required with DATABASE_URL");
  await serveWorker(workerUrl, (metricsUrl) =>
    say(`worker running${metricsUrl ? `; metrics at ${metricsUrl}` : ""}; Ctrl-C stops it (the cluster keeps running: bin/memvault db stop)`),
  );
}

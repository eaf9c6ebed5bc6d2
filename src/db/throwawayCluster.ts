// A private PostgreSQL cluster in a temporary directory, migrated into one database:
// what the tests and benchmarks run against. Never the developer's cluster, never :5432.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { destroyCluster, readClusterState, type ClusterState } from "./localCluster.ts";
import { startLocalCluster } from "./citusCluster.ts";
import { migrateDatabase } from "./migrateDatabase.ts";
import { targetFromCluster, type DatabaseTarget } from "./databaseTarget.ts";

export interface ThrowawayCluster {
  state: ClusterState;
  target: DatabaseTarget;
  destroy(): void;
}

export async function createThrowawayCluster(opts: {
  pgBin: string;
  databaseName: string;
  prefix: string;
  log?: (line: string) => void;
  /** fsync and full-page writes on, as in production (default off: tests and most benches). */
  durable?: boolean;
  /** A Citus cluster: a coordinator and nodes-1 worker nodes (the database is migrated, not yet distributed). */
  nodes?: number;
}): Promise<ThrowawayCluster> {
  // Short path: the unix socket path (inside the data directory) must stay under 108 bytes.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
  let state: ClusterState | undefined;
  try {
    const init = { home, pgBin: opts.pgBin, durable: opts.durable ?? false, ...(opts.log ? { log: opts.log } : {}) };
    state = await startLocalCluster(init, { database: opts.databaseName, ...(opts.nodes ? { nodes: opts.nodes } : {}) });
    const target = targetFromCluster(state, opts.databaseName);
    await migrateDatabase(target, opts.log);
    const final = state;
    return { state: final, target, destroy: () => destroyCluster(final) };
  } catch (err) {
    // A failure part-way (a node up, set-up failed) leaves its state file: every node is stopped.
    const made = state ?? readClusterState(home);
    if (made) destroyCluster(made);
    else fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
}

// Where memvault's database is: the URLs from the environment when DATABASE_URL is set,
// otherwise the local cluster under MEMVAULT_HOME (created and started on demand).
import { pgBinDir, readDbConfig } from "../config/dbConfig.ts";
import { readProcessConfig } from "../config/processConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { clusterRunning, readClusterState, roleUrl, type ClusterState } from "./localCluster.ts";
import { startLocalCluster } from "./citusCluster.ts";
import type { MigrationTarget } from "./migrateDatabase.ts";

export interface DatabaseTarget extends MigrationTarget {
  /** Set when the target is the local cluster. */
  cluster?: ClusterState;
  databaseName: string;
}

export function targetFromCluster(state: ClusterState, databaseName: string): DatabaseTarget {
  return {
    cluster: state,
    databaseName,
    rootUrl: roleUrl(state, "root", "postgres"),
    ownerUrl: roleUrl(state, "owner", databaseName),
    embeddingDim: readDbConfig().EMBEDDING_DIM,
  };
}

/** A superuser connection to the application database: DBA commands that must see every tenant. */
export function superuserAppUrl(target: DatabaseTarget): string {
  if (target.cluster) return roleUrl(target.cluster, "root", target.databaseName);
  const u = new URL(target.rootUrl);
  u.pathname = `/${target.databaseName}`;
  return u.toString();
}

/** The configured target; for the local cluster, initialises and starts it when asked to. */
export async function resolveTarget(opts: { start: boolean; log?: (line: string) => void; /** A Citus coordinator and nodes-1 workers (local cluster only). */ nodes?: number }): Promise<DatabaseTarget> {
  const db = readDbConfig();
  const ownerUrl = db.DATABASE_URL;
  if (ownerUrl) {
    const rootUrl = db.ROOT_DATABASE_URL;
    if (!rootUrl) throw new ConfigError("ROOT_DATABASE_URL", "is required with DATABASE_URL (roles and the vector extension need a superuser)");
    const shadowUrl = db.SHADOW_DATABASE_URL;
    return {
      rootUrl,
      ownerUrl,
      ...(shadowUrl ? { shadowUrl } : {}),
      databaseName: new URL(ownerUrl).pathname.slice(1),
      embeddingDim: db.EMBEDDING_DIM,
    };
  }
  const home = readProcessConfig().MEMVAULT_HOME;
  let state = readClusterState(home);
  if (!opts.start) {
    if (!state) throw new Error(`no local cluster in ${home}: run \`memvault db start\` (or npm start)`);
    if (!clusterRunning(state)) throw new Error(`the local cluster in ${home} is stopped: start it with \`memvault db start\` (or npm start)`);
    return targetFromCluster(state, db.MEMVAULT_DB_NAME);
  }
  const init = { home, pgBin: pgBinDir(), durable: true, ...(opts.log ? { log: opts.log } : {}) };
  state = await startLocalCluster(init, { database: db.MEMVAULT_DB_NAME, ...(opts.nodes ? { nodes: opts.nodes } : {}) });
  return targetFromCluster(state, db.MEMVAULT_DB_NAME);
}

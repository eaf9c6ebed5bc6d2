// Where a tenant's shard lives on the test's Citus cluster, and URLs for each node.
import type pg from "pg";
import { inject } from "vitest";
import { clusterUrl, SUPERUSER, type ClusterState } from "../../src/db/localCluster.ts";
import { tenantHash } from "./tenant.ts";

export function citusCluster(): ClusterState & { workers: ClusterState[] } {
  const state = inject("cluster");
  if (!state.workers?.length) throw new Error("not a Citus cluster: run with vitest.citus.config.ts");
  return state as ClusterState & { workers: ClusterState[] };
}

/** A role's URL on worker node i (0-based), to the shared database. */
export function workerNodeUrl(i: number, role: string): string {
  const state = citusCluster();
  return clusterUrl({ ...state.workers[i]!, passwords: state.passwords }, role, inject("templateDatabase"));
}

export const superuserOnWorker = (i: number) => workerNodeUrl(i, SUPERUSER);

/** The port of the worker node holding this tenant's shard. */
export async function nodePortOf(root: pg.Pool | pg.ClientBase, userHash: string): Promise<number> {
  const { rows } = await root.query<{ port: number }>(
    `select s.nodeport as port from pg_catalog.citus_shards s
     where s.shardid = pg_catalog.get_shard_id_for_distribution_column('memvault.memory_chunks', $1::text)`,
    [userHash],
  );
  return rows[0]!.port;
}

/** Index (0-based) of the worker node holding this tenant's shard. */
export async function nodeIndexOf(root: pg.Pool, userHash: string): Promise<number> {
  const port = await nodePortOf(root, userHash);
  return citusCluster().workers.findIndex((w) => w.port === port);
}

/**
 * Tenant names (from `prefix`), one per worker node: tenantHash(name) of the first lands on
 * node 0, the second on node 1. `hash` maps a name to its user_hash (default tenantHash).
 */
export async function tenantsOnEachNode(root: pg.Pool, prefix: string, hash: (name: string) => string = tenantHash): Promise<string[]> {
  const nodes = citusCluster().workers.length;
  const found: (string | undefined)[] = new Array(nodes).fill(undefined);
  for (let i = 0; i < 1000 && found.some((f) => f === undefined); i++) {
    const name = `${prefix}-${i}`;
    const idx = await nodeIndexOf(root, hash(name));
    if (found[idx] === undefined) found[idx] = name;
  }
  if (found.some((f) => f === undefined)) throw new Error("could not place a tenant on every node");
  return found as string[];
}

// A local Citus cluster: this machine's coordinator (the usual local cluster, with Citus
// loaded) and N-1 worker nodes under HOME/worker-N, all on loopback, sharing one set of
// role passwords. Set-up order matters: roles and logins on every node, the database and
// `create extension citus` everywhere, then the nodes registered, then the migrations
// (whose `create extension vector` Citus then propagates).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PROJECT_ROOT } from "../projectRoot.ts";
import { clusterUrl, initCluster, readClusterState, startCluster, SUPERUSER, writeClusterState, type ClusterState, type InitOptions } from "./localCluster.ts";
import { ensureLocalLogins } from "./localLogins.ts";
import { LOGIN_ROLES, ROLES } from "./roles.ts";

/**
 * Roles Citus connects to worker nodes as: every role a coordinator transaction runs as
 * (SET ROLE memvault_user included), so each needs LOGIN and a password on the workers.
 */
export const CITUS_NODE_LOGINS = [SUPERUSER, ...LOGIN_ROLES.map((k) => ROLES[k]), ROLES.user] as const;

/**
 * Only memory_chunks is distributed; everything else (queues, rollouts, the DBA views)
 * stays on the coordinator. Without this Citus also copies views that read no distributed
 * table to the workers, with the pg_catalog views they read, which the owner may not
 * create there (a migration then fails).
 */
export const CITUS_DATABASE_SETTINGS = (quotedDatabase: string) =>
  `alter database ${quotedDatabase} set citus.enforce_object_restrictions_for_local_objects = off`;

/** The coordinator plus nodes-1 worker clusters; a no-op for nodes that exist. */
export async function initCitusCluster(opts: InitOptions, nodes: number): Promise<ClusterState> {
  if (!Number.isInteger(nodes) || nodes < 2 || nodes > 16) throw new Error("a Citus cluster has 2 to 16 nodes (a coordinator and 1 to 15 workers)");
  const existing = readClusterState(opts.home);
  if (existing && !existing.workers?.length && fs.existsSync(path.join(existing.dataDir, "PG_VERSION"))) {
    throw new Error(`${opts.home} holds a single-node cluster: --nodes needs another MEMVAULT_HOME (or remove this one)`);
  }
  const coordinator = await initCluster({ ...opts, citus: true });
  // memvault_user logs in on the worker nodes only (the API reaches it by SET ROLE).
  const passwords = { ...coordinator.passwords, [ROLES.user]: coordinator.passwords[ROLES.user] ?? randomBytes(24).toString("hex") };
  const workers: ClusterState[] = [];
  for (let i = 1; i < nodes; i++) {
    workers.push(await initCluster({ ...opts, home: path.join(opts.home, `worker-${i}`), citus: true, passwords }));
  }
  const state: ClusterState = { ...coordinator, passwords, workers };
  writeClusterState(state);
  return state;
}

/**
 * A local cluster made when missing, started, and ready for the migrations: one node with
 * its logins, or (nodes > 1, or a home that already holds one) a Citus cluster prepared for
 * `database`. What `memvault db start` and the throwaway test and bench clusters share.
 */
export async function startLocalCluster(init: InitOptions, opts: { database: string; nodes?: number }): Promise<ClusterState> {
  let state = opts.nodes && opts.nodes > 1 ? await initCitusCluster(init, opts.nodes) : await initCluster(init);
  state = await startCluster(state, init.log);
  if (state.workers?.length) await prepareCitusCluster(state, opts.database);
  else await ensureLocalLogins(state);
  return state;
}

async function asRoot<T>(state: ClusterState, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: clusterUrl(state, SUPERUSER, database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Logins on a node, set in its maintenance database (where Citus does not propagate DDL):
 * the coordinator's copy of a role, synced to a worker when the node is added, carries no
 * password and may be NOLOGIN.
 */
async function setNodeLogins(node: ClusterState, passwords: Record<string, string>, roles: readonly string[]): Promise<void> {
  await asRoot(node, "postgres", async (c) => {
    for (const role of roles) {
      const pw = passwords[role];
      if (!pw) throw new Error(`no password recorded for ${role}`);
      await c.query(`alter role ${c.escapeIdentifier(role)} login password ${c.escapeLiteral(pw)}`);
    }
  });
}

async function ensureDatabaseWithCitus(node: ClusterState, database: string): Promise<void> {
  await asRoot(node, "postgres", async (c) => {
    const { rowCount } = await c.query("select 1 from pg_catalog.pg_database where datname = $1::text", [database]);
    if (!rowCount) await c.query(`create database ${c.escapeIdentifier(database)} owner ${ROLES.owner}`);
  });
  await asRoot(node, database, (c) => c.query("create extension if not exists citus"));
}

/**
 * Roles, logins, the database with Citus on every node, the worker nodes registered with
 * the coordinator (re-pointed when a node's port changed). Idempotent; run before the
 * migrations.
 */
export async function prepareCitusCluster(state: ClusterState, database: string): Promise<void> {
  const workers = state.workers ?? [];
  const roles = fs.readFileSync(path.join(PROJECT_ROOT, "migrations", "roles.sql"), "utf8");
  await ensureLocalLogins(state);
  for (const w of workers) {
    await asRoot(w, "postgres", (c) => c.query(roles));
    await ensureDatabaseWithCitus(w, database);
  }
  await ensureDatabaseWithCitus(state, database);
  await asRoot(state, database, async (c) => {
    await c.query("select pg_catalog.citus_set_coordinator_host('127.0.0.1', $1::integer)", [state.port]);
    await c.query(CITUS_DATABASE_SETTINGS(c.escapeIdentifier(database)));
    const { rows } = await c.query<{ nodeid: number; nodeport: number }>(
      "select nodeid, nodeport from pg_catalog.pg_dist_node where groupid <> 0 order by nodeid",
    );
    const known = new Set(rows.map((r) => r.nodeport));
    const ports = new Set(workers.map((w) => w.port));
    const stale = rows.filter((r) => !ports.has(r.nodeport));
    for (const w of workers) {
      if (known.has(w.port)) continue;
      const old = stale.shift();
      if (old) await c.query("select pg_catalog.citus_update_node($1::integer, '127.0.0.1', $2::integer)", [old.nodeid, w.port]);
      else await c.query("select pg_catalog.citus_add_node('127.0.0.1', $1::integer)", [w.port]);
    }
    await markRolesDistributed(c);
  });
  for (const w of workers) await setNodeLogins(w, state.passwords, CITUS_NODE_LOGINS);
}

/**
 * Makes Citus treat memvault's roles as existing on every node. Otherwise the first
 * migration's grants on (propagated) functions make Citus create the grantee roles on the
 * workers over the owner's own connection, which a non-superuser may not do. A grant on a
 * throwaway propagated function, as the superuser, has Citus propagate each role and
 * record it in pg_dist_object; the function is dropped in the same transaction.
 */
async function markRolesDistributed(c: pg.Client): Promise<void> {
  const { rows } = await c.query<{ role: string }>(
    `select r.rolname::text as role from pg_catalog.pg_roles r
     where r.rolname = any($1::text[])
       and not exists (select 1 from pg_catalog.pg_dist_object o
                       where o.classid = 'pg_catalog.pg_authid'::regclass and o.objid = r.oid)`,
    [Object.values(ROLES)],
  );
  if (rows.length === 0) return;
  await c.query("begin");
  try {
    await c.query("create function public.memvault_role_sync() returns integer language sql immutable as 'select 1'");
    await c.query(`grant execute on function public.memvault_role_sync() to ${rows.map((r) => c.escapeIdentifier(r.role)).join(", ")}`);
    await c.query("drop function public.memvault_role_sync()");
    await c.query("commit");
  } catch (err) {
    await c.query("rollback");
    throw err;
  }
}

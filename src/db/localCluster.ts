// The embedded PostgreSQL cluster used when no DATABASE_URL is given: a data directory
// under MEMVAULT_HOME, a free loopback port, its unix socket inside the data directory,
// password (SCRAM) auth for every role. Tests build throwaway clusters with the same code.
import { spawnSync, type SpawnOptions } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { serverOsUser, type OsUser } from "./osUser.ts";
import { LOGIN_ROLES, ROLES, type RoleKey } from "./roles.ts";

export const SUPERUSER = "postgres";

export interface ClusterState {
  home: string;
  dataDir: string;
  port: number;
  pgBin: string;
  /** Role name -> password; the file holding it is 0600. */
  passwords: Record<string, string>;
  /**
   * Citus worker nodes (each a cluster of its own under HOME/worker-N, with the same
   * passwords); absent on a single node. This cluster is then the coordinator.
   */
  workers?: ClusterState[];
  /** A Citus node: loads Citus, and its server reaches the other nodes with the passwords of writeServerPassFile. */
  citus?: boolean;
}

export interface InitOptions {
  home: string;
  pgBin: string;
  /** false for throwaway test clusters: fsync and full-page writes off. */
  durable: boolean;
  log?: (line: string) => void;
  /** Load Citus (shared_preload_libraries) and allow shard moves (wal_level = logical). */
  citus?: boolean;
  /** Reuse these role passwords (a Citus worker node shares its coordinator's). */
  passwords?: Record<string, string>;
}

const stateFile = (home: string) => path.join(home, "cluster.json");

export function readClusterState(home: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(home), "utf8")) as ClusterState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** cluster.json and the libpq password file (every node's port), both 0600. */
export function writeClusterState(state: ClusterState): void {
  fs.writeFileSync(stateFile(state.home), JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  fs.chmodSync(stateFile(state.home), 0o600);
  // libpq's password file, so that DBAs can use psql without a password on the command line.
  const ports = [state.port, ...(state.workers ?? []).map((w) => w.port)];
  const lines = ports.flatMap((port) => Object.entries(state.passwords).map(([role, pw]) => `127.0.0.1:${port}:*:${role}:${pw}`));
  fs.writeFileSync(path.join(state.home, "pgpass"), lines.join("\n") + "\n", { mode: 0o600 });
  fs.chmodSync(path.join(state.home, "pgpass"), 0o600);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether host:port can be listened on right now. */
export async function portIsFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function runAsServerUser(user: OsUser | undefined, cmd: string, args: string[], opts: SpawnOptions = {}) {
  const res = spawnSync(cmd, args, {
    ...opts,
    encoding: "utf8",
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    // The server user's HOME may not exist; postgres does not need one.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8", ...(opts.env ?? {}) },
  });
  return { status: res.status, out: `${res.stdout ?? ""}${res.stderr ?? ""}`.trim() };
}

/**
 * HOME/pgdata, unless the server's OS user cannot reach HOME (as root in a clone under
 * /root, mode 0700 on a fresh Debian): then /var/lib/memvault/<hash of HOME>/pgdata, so that
 * no permission of the user's own directories has to change.
 */
function dataDirFor(home: string, user: OsUser | undefined, log: (line: string) => void): string {
  const inHome = path.join(home, "pgdata");
  if (!user || runAsServerUser(user, "test", ["-x", home]).status === 0) return inHome;
  const elsewhere = path.join("/var/lib/memvault", createHash("sha256").update(home).digest("hex").slice(0, 16), "pgdata");
  log(`OS user ${user.name} cannot reach ${home}: the data directory goes to ${elsewhere}`);
  return elsewhere;
}

/** initdb into HOME/pgdata (see dataDirFor); a no-op when the cluster exists. */
export async function initCluster(opts: InitOptions): Promise<ClusterState> {
  const existing = readClusterState(opts.home);
  if (existing && fs.existsSync(path.join(existing.dataDir, "PG_VERSION"))) return existing;
  const log = opts.log ?? (() => {});
  const user = serverOsUser();
  // 0711: the server user must traverse HOME to reach its data directory, but must not list it.
  fs.mkdirSync(opts.home, { recursive: true, mode: 0o711 });
  fs.chmodSync(opts.home, 0o711);
  const dataDir = dataDirFor(opts.home, user, log);
  if (fs.existsSync(dataDir)) {
    // A half-made directory from a failed initdb is ours to retry; a real cluster without
    // its state file (passwords) is not ours to overwrite.
    if (fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
      throw new Error(`${dataDir} holds a cluster but ${stateFile(opts.home)} is missing: remove ${dataDir} to start over`);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o711 });
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (user) fs.chownSync(dataDir, user.uid, user.gid);

  const passwords: Record<string, string> = opts.passwords ? { ...opts.passwords } : { [SUPERUSER]: randomBytes(24).toString("hex") };
  for (const key of LOGIN_ROLES) passwords[ROLES[key]] ??= randomBytes(24).toString("hex");

  // initdb reads the superuser password from a file the server user can read; it lives
  // only for the call.
  const pwFile = path.join(path.dirname(dataDir), `.pw-${process.pid}`);
  fs.writeFileSync(pwFile, passwords[SUPERUSER] + "\n", { mode: 0o600 });
  if (user) fs.chownSync(pwFile, user.uid, user.gid);
  log(`initdb ${dataDir}${user ? ` (as OS user ${user.name})` : ""}`);
  const init = runAsServerUser(user, path.join(opts.pgBin, "initdb"), [
    "-D", dataDir, "-U", SUPERUSER, `--pwfile=${pwFile}`,
    "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
    "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
  ]);
  fs.rmSync(pwFile, { force: true });
  if (init.status !== 0) {
    throw new Error(`initdb failed (is ${opts.home} reachable by the server's OS user? set MEMVAULT_HOME elsewhere):\n${init.out}`);
  }

  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    "password_encryption = 'scram-sha-256'",
    // pgvector < 0.8.2 (CVE-2026-3172): parallel HNSW builds can read other relations.
    "max_parallel_maintenance_workers = 0",
    "shared_buffers = '512MB'",
    "maintenance_work_mem = '1GB'",
    "work_mem = '16MB'",
    "log_min_messages = warning",
    ...(opts.durable ? [] : ["fsync = off", "full_page_writes = off", "synchronous_commit = off"]),
    // Citus before everything else it hooks. Logical WAL for Citus's logical shard moves, which
    // the rebalancer may pick for other tables (memory_chunks, RLS forced, moves with block_writes).
    ...(opts.citus ? ["shared_preload_libraries = 'citus'", "wal_level = logical", "max_prepared_transactions = 100", "citus.local_hostname = '127.0.0.1'", ...trustCitusOutputPlugin(opts.pgBin)] : []),
  ];
  fs.appendFileSync(path.join(dataDir, "postgresql.conf"), `\n# memvault local cluster\n${settings.join("\n")}\n`);

  const state: ClusterState = { home: opts.home, dataDir, port: await freePort(), pgBin: opts.pgBin, passwords, ...(opts.citus ? { citus: true } : {}) };
  writeClusterState(state);
  return state;
}

/**
 * PostgreSQL builds with output_plugin_libraries (a recent security fix: only listed
 * libraries may decode WAL) must list citus, whose logical shard moves use its own output
 * plugin. Builds without the setting would refuse to start with it.
 */
function trustCitusOutputPlugin(pgBin: string): string[] {
  const res = spawnSync(path.join(pgBin, "postgres"), ["--describe-config"], { encoding: "utf8", maxBuffer: 16 << 20 });
  return /^output_plugin_libraries\t/m.test(res.stdout ?? "") ? ["output_plugin_libraries = 'pgoutput, test_decoding, citus'"] : [];
}

/** Gives a login role added since the cluster was made (e.g. memvault_operator) its password. */
export function ensureClusterPasswords(state: ClusterState): ClusterState {
  const missing = LOGIN_ROLES.filter((key) => !state.passwords[ROLES[key]]);
  if (missing.length === 0) return state;
  for (const key of missing) state.passwords[ROLES[key]] = randomBytes(24).toString("hex");
  writeClusterState(state);
  return state;
}

export function clusterRunning(state: ClusterState): boolean {
  const res = runAsServerUser(serverOsUser(), path.join(state.pgBin, "pg_ctl"), ["status", "-D", state.dataDir]);
  return res.status === 0;
}

export async function startCluster(state: ClusterState, log: (line: string) => void = () => {}): Promise<ClusterState> {
  if (state.workers?.length) {
    // Worker nodes first: the coordinator's first distributed query must find them up.
    const workers: ClusterState[] = [];
    for (const w of state.workers) workers.push(await startNode(w, log));
    const next = await startNode({ ...state, workers }, log);
    writeClusterState(next);
    return next;
  }
  return startNode(state, log);
}

async function startNode(state: ClusterState, log: (line: string) => void): Promise<ClusterState> {
  if (clusterRunning(state)) return state;
  let next = state;
  // Another process (a second test run, say) may take a free port between our check and
  // the server's bind: then the port is busy after the failure, and another is tried.
  for (let attempt = 1; ; attempt++) {
    if (!(await portIsFree(next.port))) {
      const taken = next.port;
      next = { ...next, port: await freePort() };
      log(`port ${taken} is taken; using ${next.port}`);
      writeClusterState(next);
    }
    log(`starting PostgreSQL on 127.0.0.1:${next.port} (data ${next.dataDir})`);
    const res = runAsServerUser(serverOsUser(), path.join(next.pgBin, "pg_ctl"), [
      "start", "-D", next.dataDir, "-w", "-t", "120",
      "-l", path.join(next.dataDir, "server.log"), "-o", `-p ${next.port}`,
    ], next.citus ? { env: { PGPASSFILE: writeServerPassFile(next) } } : {});
    if (res.status === 0) return next;
    if (attempt < 3 && !clusterRunning(next) && !(await portIsFree(next.port))) continue;
    throw new Error(`pg_ctl start failed:\n${res.out}\n${readLogTail(next)}`);
  }
}

/**
 * The passwords a Citus node's server uses for its own connections to the other nodes
 * (distributed queries as the current role, shard moves' logical replication as the
 * superuser): a libpq password file owned by the server's OS user, mode 0600, beside the
 * data directory, named by PGPASSFILE in the server's environment.
 */
function writeServerPassFile(state: ClusterState): string {
  const file = path.join(path.dirname(state.dataDir), "server.pgpass");
  const lines = Object.entries(state.passwords).map(([role, pw]) => `*:*:*:${role}:${pw}`);
  fs.writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const user = serverOsUser();
  if (user) fs.chownSync(file, user.uid, user.gid);
  return file;
}

function readLogTail(state: ClusterState): string {
  try {
    return fs.readFileSync(path.join(state.dataDir, "server.log"), "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "";
  }
}

export function stopCluster(state: ClusterState): void {
  stopNode(state);
  for (const w of state.workers ?? []) stopNode(w);
}

/** Stops one node; "immediate" is a crash (no checkpoint; recovery at the next start). */
export function stopNode(state: ClusterState, mode: "fast" | "immediate" = "fast"): void {
  if (!clusterRunning(state)) return;
  const res = runAsServerUser(serverOsUser(), path.join(state.pgBin, "pg_ctl"), ["stop", "-D", state.dataDir, "-m", mode, "-w"]);
  if (res.status !== 0) throw new Error(`pg_ctl stop failed:\n${res.out}`);
}

/** Stops a throwaway cluster and removes every file of it. */
export function destroyCluster(state: ClusterState): void {
  stopCluster(state);
  for (const w of state.workers ?? []) destroyCluster(w);
  if (!state.dataDir.startsWith(state.home + path.sep)) fs.rmSync(path.dirname(state.dataDir), { recursive: true, force: true });
  fs.rmSync(state.home, { recursive: true, force: true });
}

export function clusterUrl(state: ClusterState, role: string, database: string): string {
  const password = state.passwords[role];
  if (!password) throw new Error(`the local cluster has no login for role ${role}`);
  return `postgres://${role}:${password}@127.0.0.1:${state.port}/${database}`;
}

export function roleUrl(state: ClusterState, key: RoleKey | "root", database: string): string {
  return clusterUrl(state, key === "root" ? SUPERUSER : ROLES[key], database);
}


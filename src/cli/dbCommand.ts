// `memvault db start|stop|status|url|env|migrate|dump-schema|distribute|index-terms`
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import pg from "pg";
import path from "node:path";
import { pgBinDir, readDbConfig } from "../config/dbConfig.ts";
import { readProcessConfig } from "../config/processConfig.ts";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { SCHEMA_DUMP_PATH, writeCommittedDump } from "../db/dumpSchema.ts";
import { clusterRunning, readClusterState, roleUrl, stopCluster, SUPERUSER } from "../db/localCluster.ts";
import { installJobQueue, migrateDatabase } from "../db/migrateDatabase.ts";
import { LOGIN_ROLES, ROLES, type RoleKey } from "../db/roles.ts";
import { requestTermIndex } from "../sql/requestTermIndex.ts";
import { CliError } from "./cliError.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

function requireCluster() {
  const home = readProcessConfig().MEMVAULT_HOME;
  const state = readClusterState(home);
  if (!state) throw new CliError("NO_CLUSTER", `no local cluster in ${home}: run \`memvault db start\``);
  return state;
}

/** A role that can log in on the local cluster (memvault_user cannot: the authenticator becomes it). */
function roleKey(value: string | undefined): RoleKey | "root" {
  const key = value ?? "root";
  if (key === "root" || LOGIN_ROLES.includes(key as RoleKey)) return key as RoleKey | "root";
  const user = key === "user" ? " (memvault_user cannot log in: the API's authenticator becomes it for each request; use --role authenticator and SET ROLE memvault_user in a transaction)" : "";
  throw new CliError("BAD_ROLE", `--role must be one of root, ${LOGIN_ROLES.join(", ")}${user}`);
}

/** Password-free URL; psql and pg find the password in PGPASSFILE. */
function publicUrl(url: string): string {
  const u = new URL(url);
  u.password = "";
  return u.toString();
}

/** Whether this PostgreSQL has the citus extension to load (docs/scaling-out.md). */
function citusInstalled(): boolean {
  const res = spawnSync(path.join(pgBinDir(), "pg_config"), ["--sharedir"], { encoding: "utf8" });
  return res.status === 0 && fs.existsSync(path.join(res.stdout.trim(), "extension", "citus.control"));
}

function positiveInt(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError("BAD_INPUT", `--${flag} must be an integer from 1 to ${max}`);
  return n;
}

type DbFlags = { role?: string; url?: string; migrate?: boolean; nodes?: string; shards?: string };

async function dbStart(flags: DbFlags): Promise<void> {
  const nodes = positiveInt("nodes", flags.nodes, 1, 16);
  if (readDbConfig().DATABASE_URL && flags.nodes) throw new CliError("BAD_INPUT", "--nodes starts local clusters: unset DATABASE_URL");
  if (nodes > 1 && !citusInstalled()) {
    throw new CliError("NO_CITUS", "Citus is not installed for this PostgreSQL: run `bash scripts/provision-citus.sh` (CITUS_SOURCE=<citus source tarball>, or Citus's apt repository)");
  }
  const target = await resolveTarget({ start: true, log: say, nodes });
  await migrateDatabase(target, say);
  const workers = target.cluster?.workers ?? [];
  if (workers.length) say(`citus: coordinator 127.0.0.1:${target.cluster!.port}, worker nodes ${workers.map((w) => `127.0.0.1:${w.port}`).join(", ")}; run \`memvault db distribute\``);
  say(`ready: ${publicUrl(target.ownerUrl)}`);
}

async function dbDistribute(flags: DbFlags): Promise<void> {
  const { distributeDatabase } = await import("../db/distributeDatabase.ts");
  const shardCount = positiveInt("shards", flags.shards, 32, 4096);
  const target = await resolveTarget({ start: false });
  const result = await distributeDatabase(superuserAppUrl(target), { shardCount, log: say });
  say(`memory_chunks: ${result.shards} shards on ${result.nodes} worker nodes`);
  if (result.unforcedShards.length) {
    throw new CliError("SHARD_NOT_FORCED", `shards without forced row-level security: ${result.unforcedShards.join(", ")}`);
  }
  say("every shard has row-level security enabled and forced");
}

/** Enqueues index_terms jobs for every tenant whose memories have no keyword terms yet (sealed before keyword search). */
async function dbIndexTerms(): Promise<void> {
  const client = new pg.Client({ connectionString: superuserAppUrl(await resolveTarget({ start: false })) });
  await client.connect();
  try {
    const tenants = await requestTermIndex(client);
    say(`index_terms jobs queued for ${tenants} tenants; the worker writes their memories' keyword terms`);
  } finally {
    await client.end();
  }
}

function dbStatus(): void {
  const state = requireCluster();
  const running = clusterRunning(state);
  process.stdout.write(`${running ? "running" : "stopped"} port=${state.port} data=${state.dataDir}\n`);
  for (const [i, w] of (state.workers ?? []).entries()) {
    const up = clusterRunning(w);
    process.stdout.write(`worker-${i + 1} ${up ? "running" : "stopped"} port=${w.port} data=${w.dataDir}\n`);
    if (!up) process.exitCode = 3;
  }
  if (!running) process.exitCode = 3;
}

/** eval "$(memvault db env)": psql and the DBA scripts then reach the local cluster. */
function dbEnv(flags: DbFlags): void {
  const db = readDbConfig();
  const state = requireCluster();
  const key = roleKey(flags.role);
  const lines = [
    `export PGHOST=127.0.0.1`,
    `export PGPORT=${state.port}`,
    `export PGUSER=${key === "root" ? SUPERUSER : ROLES[key]}`,
    `export PGDATABASE=${db.MEMVAULT_DB_NAME}`,
    `export PGPASSFILE=${path.join(state.home, "pgpass")}`,
  ];
  if (flags.migrate) {
    // For graphile-migrate's own CLI (watch, commit). Secrets stay in the environment.
    lines.push(
      `export DATABASE_URL='${roleUrl(state, "owner", db.MEMVAULT_DB_NAME)}'`,
      `export SHADOW_DATABASE_URL='${roleUrl(state, "owner", `${db.MEMVAULT_DB_NAME}_shadow`)}'`,
      `export ROOT_DATABASE_URL='${roleUrl(state, "root", "postgres")}'`,
      `export EMBEDDING_DIM=${db.EMBEDDING_DIM}`,
      `export INGEST_MAX_TEXT_BYTES=${db.INGEST_MAX_TEXT_BYTES}`,
      `export INGEST_MAX_META_BYTES=${db.INGEST_MAX_META_BYTES}`,
    );
  }
  process.stdout.write(lines.join("\n") + "\n");
}

async function dbDumpSchema(flags: DbFlags): Promise<void> {
  const url = flags.url ?? (await resolveTarget({ start: false })).ownerUrl;
  const done = writeCommittedDump(pgBinDir(), url);
  const file = path.relative(process.cwd(), SCHEMA_DUMP_PATH);
  if (done.written) say(`wrote ${file}`);
  // Not an error: graphile-migrate's commit hook runs this on every developer's machine.
  else say(`left ${file} as it is: it is kept in PostgreSQL ${done.committedMajor}'s format and this pg_dump is ${done.major} (run it with MEMVAULT_PG_MAJOR=${done.committedMajor})`);
}

const DB_COMMANDS: Readonly<Record<string, (flags: DbFlags) => void | Promise<void>>> = {
  start: dbStart,
  distribute: dbDistribute,
  "index-terms": dbIndexTerms,
  migrate: async () => migrateDatabase(await resolveTarget({ start: !readDbConfig().DATABASE_URL, log: say }), say),
  stop: () => {
    stopCluster(requireCluster());
    say("stopped");
  },
  status: dbStatus,
  url: (flags) => void process.stdout.write(publicUrl(roleUrl(requireCluster(), roleKey(flags.role), readDbConfig().MEMVAULT_DB_NAME)) + "\n"),
  env: dbEnv,
  // graphile-migrate's afterReset hook: graphile-worker's schema before the migrations.
  "install-job-queue": async (flags) => installJobQueue(flags.url ?? (await resolveTarget({ start: false })).ownerUrl),
  "dump-schema": dbDumpSchema,
};

export async function dbCommand(sub: string | undefined, flags: DbFlags): Promise<void> {
  if (sub === undefined || !Object.hasOwn(DB_COMMANDS, sub)) {
    throw new CliError("USAGE", "usage: memvault db start [--nodes N]|stop|status|url [--role R]|env [--role R] [--migrate]|migrate|distribute [--shards N]|dump-schema [--url U]|install-job-queue [--url U]");
  }
  await DB_COMMANDS[sub]!(flags);
}

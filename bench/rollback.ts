// npm run bench:rollback: how fast `memvault deploy rollback` takes a database back, by
// reverse migration and by restoring a backup, each with its verification, on 100k sealed
// chunks (384 dims, HNSW) in a durable throwaway cluster (fsync on, as in production).
// The commands run as an operator runs them: `memvault deploy …` child processes.
// Writes bench/results/rollback.json.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { machine, printTable, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { seedSealedTenants } from "./support/seedSealedTenants.ts";
import { vectorSource } from "./support/vectors.ts";

const { values } = parseArgs({ options: smokeDefaults({ rows: { type: "string", default: "100000" }, tenants: { type: "string", default: "10" } }, { rows: "1000", tenants: "2" }) });
const ROWS = Number(values.rows);
const TENANTS = Number(values.tenants);
const DATABASE = "memvault_bench";
const log = (line: string) => process.stderr.write(`[rollback] ${line}\n`);

log(`machine: ${JSON.stringify(machine())}; ${ROWS} sealed chunks in ${TENANTS} tenants`);
const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: DATABASE, prefix: "mvr-", log, durable: true });
const root = new pg.Client({ connectionString: roleUrl(cluster.state, "root", DATABASE) });
try {
  await root.connect();
  const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
  const doc = newKeyringDocument();
  fs.writeFileSync(keyringFile, JSON.stringify(doc), { mode: 0o600 });
  const dims = readDbConfig().EMBEDDING_DIM;
  const subs = Array.from({ length: TENANTS }, (_, i) => `rollback-user-${i}`);
  await seedSealedTenants(root, parseKeyring("bench", JSON.stringify(doc)), { subs, rows: ROWS / TENANTS, dims, next: vectorSource("clustered", dims, 7) });
  await root.query("vacuum analyze memvault.memory_chunks");

  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: roleUrl(cluster.state, "owner", DATABASE),
    ROOT_DATABASE_URL: roleUrl(cluster.state, "root", "postgres"),
    MEMVAULT_KEYRING_FILE: keyringFile,
    MEMVAULT_BACKUP_DIR: path.join(cluster.state.home, "backups"),
    LOG_LEVEL: "warn",
  };
  /** One `memvault deploy` command, timed from outside (wall clock, verification included). */
  const deploy = (...args: string[]) => {
    log(`memvault deploy ${args.join(" ")}`);
    const started = performance.now();
    const res = spawnSync(process.execPath, [path.join(import.meta.dirname, "..", "src/cli/main.ts"), "deploy", ...args], { env, encoding: "utf8" });
    const seconds = (performance.now() - started) / 1000;
    for (const line of `${res.stderr}`.split("\n").filter((l) => l.startsWith("[deploy]"))) log(`  ${line}`);
    if (res.status !== 0) throw new Error(`memvault deploy ${args.join(" ")} exited ${res.status}:\n${res.stdout}\n${res.stderr}`);
    return { seconds, out: res.stdout };
  };
  const fingerprint = async () => {
    const c = new pg.Client({ connectionString: roleUrl(cluster.state, "root", DATABASE) });
    await c.connect();
    try {
      return (await c.query<{ n: number; h: string }>("select count(*)::int as n, md5(string_agg(t::text, ',' order by t.user_hash, t.id)) as h from memvault.memory_chunks t")).rows[0]!;
    } finally {
      await c.end();
    }
  };
  await root.end();

  const before = await fingerprint();
  const backup = deploy("backup", "--database", DATABASE);
  const manifest = JSON.parse(fs.readFileSync(`${/backup: (\S+\.dump)/.exec(backup.out)![1]}.json`, "utf8")) as { seconds: number; bytes: number };
  const reverse = deploy("rollback", "--database", DATABASE);
  const afterReverse = await fingerprint();
  const apply = deploy("apply", "--database", DATABASE);
  const restore = deploy("rollback", "--database", DATABASE, "--from-backup", "--yes");
  const afterRestore = await fingerprint();
  const opened = [...reverse.out.matchAll(/memories opened\s+PASS\s+(\d+) of (\d+)/g), ...restore.out.matchAll(/memories opened\s+PASS\s+(\d+) of (\d+)/g)];

  // The HNSW build alone, on the restored table: most of what a restore costs.
  const c = new pg.Client({ connectionString: roleUrl(cluster.state, "root", DATABASE) });
  await c.connect();
  await c.query("set max_parallel_maintenance_workers = 0");
  const t0 = performance.now();
  await c.query("reindex index memvault.memory_chunks_embedding_hnsw");
  const hnswSeconds = (performance.now() - t0) / 1000;
  await c.end();

  const rowsLost = Math.max(0, before.n - afterReverse.n) + Math.max(0, before.n - afterRestore.n);
  const identical = afterReverse.h === before.h && afterRestore.h === before.h;
  const metrics = {
    rollback_reverse_s: reverse.seconds,
    rollback_restore_s: restore.seconds,
    rows_lost: rowsLost,
    backup_s: manifest.seconds,
    rows: before.n,
    rows_identical: identical ? 1 : 0,
    memories_opened: opened.reduce((a, m) => a + Number(m[1]), 0),
    memories_sampled: opened.reduce((a, m) => a + Number(m[2]), 0),
    apply_s: apply.seconds,
    hnsw_rebuild_s: hnswSeconds,
    backup_mib: manifest.bytes / 2 ** 20,
  };
  printTable(
    ["measure", "value", "target"],
    [
      ["rollback by reverse migration, verified (s)", metrics.rollback_reverse_s, "< 60"],
      ["rollback by backup restore, verified (s)", metrics.rollback_restore_s, "< 300"],
      ["rows lost", rowsLost, "0"],
      ["rows identical before and after (md5 of every row)", identical ? "yes" : "NO", "yes"],
      ["memories opened / sampled", `${metrics.memories_opened} / ${metrics.memories_sampled}`, ""],
      ["backup (pg_dump -Fc) (s)", metrics.backup_s, ""],
      ["backup size (MiB)", metrics.backup_mib, ""],
      ["apply (backup, migrate, validate) (s)", metrics.apply_s, ""],
      ["HNSW rebuild alone, one backend (s)", hnswSeconds, ""],
    ],
  );
  const file = writeBenchResult("rollback", metrics, { rows: ROWS, tenants: TENANTS, durable: true });
  log(`wrote ${file}`);
  const met = metrics.rollback_reverse_s < 60 && metrics.rollback_restore_s < 300 && rowsLost === 0 && identical;
  log(met ? "targets met" : "TARGETS NOT MET");
  if (!met) process.exitCode = 1;
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
}

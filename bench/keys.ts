// npm run bench:keys: per-tenant data keys under a key-encryption key on a PKCS#11 token
// (SoftHSM2). Four measurements:
//   1. seal and open of 1 KiB with 1,000 tenants' keys warm, on one core (this thread);
//   2. a cold tenant's first transaction: its wrapped keys read and unwrapped on the token;
//   3. erasure of a large tenant (100k memories with their keyword index): how long until
//      nothing of it is readable, how long the purge (a real worker process) takes, and
//      other tenants' search p95 meanwhile (a load generator in its own process) against
//      before it;
//   4. KEK rotation over 100k tenants: every data key rewrapped under a new token key, and
//      how many memory rows that rewrote (none).
// BENCH_SMOKE=1: small sizes, the same code paths.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { createSoftHsm } from "../scripts/softHsmToken.ts";
import { readKekConfig, type Pkcs11Config } from "../src/config/kekConfig.ts";
import { dekAad } from "../src/crypto/kek.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { hmacUser } from "../src/crypto/hmacUser.ts";
import { createPkcs11Kek, generatePkcs11Kek } from "../src/crypto/pkcs11Kek.ts";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { withTenantFrom } from "../src/db/withTenant.ts";
import { eraseTenant } from "../src/keys/eraseTenant.ts";
import { openTenantKeys } from "../src/keys/openTenantKeys.ts";
import { rewrapTenantKeys } from "../src/keys/rewrapTenantKeys.ts";
import { PROJECT_ROOT } from "../src/projectRoot.ts";
import { machine, printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { warmSealRates } from "./support/keysWarm.ts";
import { seedSealedTenants } from "./support/seedSealedTenants.ts";
import { SMOKE } from "./support/smoke.ts";
import { percentile } from "./support/stats.ts";
import { vectorSource } from "./support/vectors.ts";

const SIZES = SMOKE
  ? { cold: 20, big: 2_000, others: 4, otherRows: 500, rotate: 1_000, loadSeconds: 2 }
  : { cold: 300, big: 100_000, others: 20, otherRows: 2_000, rotate: 100_000, loadSeconds: 10 };
const DATABASE = "memvault_bench";
const log = (line: string) => process.stderr.write(`[bench:keys] ${line}\n`);
const metrics: Record<string, number> = {};

// 1. Warm keys, no database.
Object.assign(metrics, warmSealRates(1_000, SMOKE ? 5_000 : 200_000));

const hsm = createSoftHsm();
const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: DATABASE, prefix: "mvbk-", log });
const root = new pg.Client({ connectionString: roleUrl(cluster.state, "root", DATABASE) });
try {
  await root.connect();
  const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
  const keyringDoc = newKeyringDocument();
  fs.writeFileSync(keyringFile, JSON.stringify(keyringDoc), { mode: 0o600 });
  const keyring = parseKeyring("bench", JSON.stringify(keyringDoc));
  const env = { ...hsm.env, MEMVAULT_KEYRING_FILE: keyringFile, ERASURE_LEDGER_FILE: path.join(cluster.state.home, "erasures.jsonl") };
  Object.assign(process.env, env);
  const kekConfig = readKekConfig();
  if (kekConfig.provider !== "pkcs11") throw new Error("bench:keys wraps on its SoftHSM2 token (KEK_PROVIDER=pkcs11)");
  const appPool = new pg.Pool({ connectionString: roleUrl(cluster.state, "authenticator", DATABASE), max: 4 });
  const asTenant = (userHash: string) => withTenantFrom(appPool, { userHash, role: "memvault_user" });

  // 2. Cold tenants: keys made (wrapped on the token), then read by a process-fresh cache.
  const cold = Array.from({ length: SIZES.cold }, (_, i) => hmacUser(keyring, `cold-${i}`));
  const maker = openTenantKeys({ current: () => keyring }, kekConfig);
  for (const [i, userHash] of cold.entries()) {
    await asTenant(userHash)((tx) => maker.ensure(tx, userHash));
    if (i % 50 === 0) progress("cold tenants' keys", i + 1, cold.length);
  }
  const fresh = openTenantKeys({ current: () => keyring }, kekConfig);
  const coldMs: number[] = [];
  for (const userHash of cold) {
    const t0 = performance.now();
    await asTenant(userHash)((tx) => fresh.prepare(tx, userHash));
    coldMs.push(performance.now() - t0);
  }
  metrics.cold_tenant_p50_ms_softhsm = percentile(coldMs, 50);
  metrics.cold_tenant_p95_ms_softhsm = percentile(coldMs, 95);

  // 3. Erasure of a large tenant while others search.
  const dims = readDbConfig().EMBEDDING_DIM;
  const otherSubs = Array.from({ length: SIZES.others }, (_, i) => `other-${i}`);
  log(`seeding ${SIZES.big} memories of one tenant and ${SIZES.others} x ${SIZES.otherRows} of others (sealed, keyword-indexed)`);
  await seedSealedTenants(root, keyring, { subs: ["big"], rows: SIZES.big, dims, next: vectorSource("clustered", dims, 5), keywordTerms: true });
  await seedSealedTenants(root, keyring, { subs: otherSubs, rows: SIZES.otherRows, dims, next: vectorSource("clustered", dims, 7) });
  const big = hmacUser(keyring, "big");
  await asTenant(big)((tx) => maker.ensure(tx, big));
  await root.query("vacuum analyze");
  const plan = { authenticatorUrl: roleUrl(cluster.state, "authenticator", DATABASE), keyringFile, subs: otherSubs, dims, connections: 2, seconds: SIZES.loadSeconds };
  const before = await searchLoad(plan, "before");
  const t0 = performance.now();
  const erasure = await asTenant(big)((tx) => eraseTenant(maker, tx, big));
  metrics.erase_unreadable_ms = performance.now() - t0;
  const after = await asTenant(big)(async (tx) => ({ set: await fresh.prepare(tx, big), rows: (await tx.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n as number }));
  if (!after.set.erasing || after.rows !== 0) throw new Error("the erased tenant is still readable");
  const purgeStart = performance.now();
  const worker = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "worker"], {
    env: { PATH: process.env.PATH, ...env, WORKER_DATABASE_URL: roleUrl(cluster.state, "worker", DATABASE), WORKER_TASKS: "purge_tenant", METRICS_PORT: "0", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const during = await searchLoad(plan, "during the purge");
  const purged = await waitPurged(root, big, erasure.erasureId, SIZES.big);
  metrics.erase_purge_s = (purged - purgeStart) / 1000;
  worker.kill("SIGTERM");
  await new Promise((resolve) => worker.once("exit", resolve));
  metrics.other_tenant_search_p95_ms_before = percentile(before, 95);
  metrics.other_tenant_search_p95_ms_during_purge = percentile(during, 95);
  metrics.other_tenant_search_p95_ratio_during_purge = metrics.other_tenant_search_p95_ms_during_purge / metrics.other_tenant_search_p95_ms_before;
  metrics.erased_memories = erasure.memories;

  // 4. KEK rotation over many tenants: their keys, wrapped on the token, then rewrapped under a new token key.
  await seedWrappedKeys(root, SIZES.rotate, kekConfig.pkcs11);
  generatePkcs11Kek(kekConfig.pkcs11, "bench-kek-2");
  const kek2 = createPkcs11Kek({ ...kekConfig.pkcs11, keyLabel: "bench-kek-2" });
  const rowsBefore = await memoryRowsWritten(root);
  const r0 = performance.now();
  const rotated = await rewrapTenantKeys(root, kek2, maker.ledger, (done, total) => progress("rewrap", done, total));
  metrics.kek_rotate_100k_tenants_s = ((performance.now() - r0) / 1000) * (100_000 / SIZES.rotate);
  metrics.kek_rotate_measured_tenants = SIZES.rotate;
  metrics.kek_rotate_keys_rewrapped = rotated.rewrapped;
  metrics.kek_rotate_memory_rows_rewritten = (await memoryRowsWritten(root)) - rowsBefore;
  await kek2.close();
  await Promise.all([maker.kek.close(), fresh.kek.close(), appPool.end()]);
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
  hsm.remove();
}

printTable(
  ["metric", "value"],
  Object.entries(metrics).map(([k, v]) => [k, Number.isInteger(v) ? v : Number(v.toFixed(3))]),
);
process.stdout.write(`machine: ${JSON.stringify(machine())}\nwrote ${writeBenchResult("keys", metrics, { sizes: SIZES, smoke: SMOKE })}\n`);

/** Other tenants' searches for plan.seconds, from bench/support/sqlLoad.ts in its own process: each one's latency (ms). */
async function searchLoad(plan: Record<string, unknown>, label: string): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(cluster.state.home, "load-"));
  fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan));
  log(`other tenants' searches ${label} (${plan.seconds as number} s, its own process)`);
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bench/support/sqlLoad.ts"), path.join(dir, "plan.json"), path.join(dir, "out.json")], { stdio: "inherit" });
  await new Promise((resolve) => child.once("exit", resolve));
  return (JSON.parse(fs.readFileSync(path.join(dir, "out.json"), "utf8")) as { latencies: number[] }).latencies;
}

async function waitPurged(client: pg.Client, userHash: string, erasureId: string, total: number): Promise<number> {
  for (;;) {
    const { rows } = await client.query("select purged_at, purged_memories::int as n from memvault.tenant_erasures where user_hash = $1 and erasure_id = $2", [userHash, erasureId]);
    if (rows[0]?.purged_at) return performance.now();
    progress("purge", rows[0]?.n ?? 0, total);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** n tenants' keys (versions 0 and 1), wrapped on the token as the API wraps them, stored in batches (a superuser). */
async function seedWrappedKeys(client: pg.Client, n: number, config: Pkcs11Config): Promise<void> {
  const kek = createPkcs11Kek(config);
  for (let start = 0; start < n; start += 2_500) {
    const rows: { userHash: string; version: number; keyId: string; kekId: string; wrapped: Buffer }[] = [];
    for (let i = start; i < Math.min(n, start + 2_500); i++) {
      const userHash = randomBytes(32).toString("hex");
      for (const version of [0, 1]) {
        const keyId = randomUUID();
        rows.push({ userHash, version, keyId, ...(await kek.wrap(randomBytes(32), dekAad(userHash, version, keyId))) });
      }
    }
    await client.query(
      `insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped)
       select * from unnest($1::text[], $2::integer[], $3::uuid[], $4::text[], $5::bytea[])`,
      [rows.map((r) => r.userHash), rows.map((r) => r.version), rows.map((r) => r.keyId), rows.map((r) => r.kekId), rows.map((r) => r.wrapped)],
    );
    progress("tenants' keys to rotate", Math.min(n, start + 2_500), n);
  }
  await kek.close();
}

/** memory_chunks' inserted, updated and deleted rows so far (the statistics flushed first). */
async function memoryRowsWritten(client: pg.Client): Promise<number> {
  await client.query("select pg_catalog.pg_stat_force_next_flush()");
  const { rows } = await client.query("select (n_tup_ins + n_tup_upd + n_tup_del)::bigint as n from pg_catalog.pg_stat_user_tables where relid = 'memvault.memory_chunks'::regclass");
  return Number(rows[0].n);
}

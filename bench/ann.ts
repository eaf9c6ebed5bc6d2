// npm run bench:ann [-- --shape uniform] [--rows 100000] [--queries 200] [--sweep 'rule|hnsw.ef_search=120|...']
// search_chunks recall@8 against exact search and latency, for tenants holding 0.1%,
// 1%, 3% and 6% (past the exact-search threshold, where the HNSW scan must skip most
// tuples), 10% and 50% of the rows, on a throwaway cluster. --sweep compares settings ('|' between configurations, ',' between
// settings of one: hnsw.ef_search is a floor under search_chunks' own rule;
// memvault.hnsw_ef_per_k and memvault.exact_search_max_rows
// change the rule); the metrics are the rule's (the configuration "rule").
import { parseArgs } from "node:util";
import pg from "pg";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { writeBenchResult, printTable, progress } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { percentile, mean } from "./support/stats.ts";
import { vectorSource, toPgVector, type VectorShape } from "./support/vectors.ts";
import { createHash } from "node:crypto";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      shape: { type: "string", default: "clustered" },
      rows: { type: "string", default: "100000" },
      queries: { type: "string", default: "200" },
      k: { type: "string", default: "8" },
      sweep: { type: "string", default: "rule" },
    },
    { rows: "3000", queries: "5" },
  ),
});
const shape = values.shape as VectorShape;
const ROWS = Number(values.rows);
const QUERIES = Number(values.queries);
const K = Number(values.k);
// Each configuration: settings for the transaction; "rule" (no settings) gives the metrics.
const CONFIGS = values.sweep!.split("|").map((c) => c.trim()).map((label) => ({
  label,
  settings: label === "rule" ? [] : label.split(",").map((kv) => kv.split("=").map((x) => x.trim()) as [string, string]),
}));
const SETTABLE = /^(hnsw\.ef_search|memvault\.(hnsw_ef_per_k|exact_search_max_rows))$/;
if (CONFIGS.some((c) => c.settings.some(([k, v]) => !k || !SETTABLE.test(k) || !/^\d+$/.test(v ?? "")))) {
  process.stderr.write("--sweep: 'rule' or name=integer settings (hnsw.ef_search, memvault.hnsw_ef_per_k, memvault.exact_search_max_rows), ',' within and '|' between configurations\n");
  process.exit(2);
}
const DIMS = readDbConfig().EMBEDDING_DIM;
const SIZES = [
  { label: "0.1%", key: "0_1pct", share: 0.001 },
  { label: "1%", key: "1pct", share: 0.01 },
  { label: "3%", key: "3pct", share: 0.03 },
  { label: "6%", key: "6pct", share: 0.06 },
  { label: "10%", key: "10pct", share: 0.1 },
  { label: "50%", key: "50pct", share: 0.5 },
];
const FILLER_TENANT_ROWS = 100;
const hash = (s: string) => createHash("sha256").update(s).digest("hex");

const log = (line: string) => process.stderr.write(`[bench:ann] ${line}\n`);
log(`${ROWS} rows x ${DIMS} dims (${shape}), ${QUERIES} queries per tenant size, k=${K}`);
const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: "memvault_bench", prefix: "mvb-", log });
// A superuser loads the data (it bypasses RLS); queries run as memvault_user.
const client = new pg.Client({ connectionString: roleUrl(cluster.state, "root", cluster.target.databaseName) });

try {
  await client.connect();
  const next = vectorSource(shape, DIMS, 42);

  // Tenants: the four measured sizes, the rest spread over many small tenants.
  const plan: { userHash: string; count: number }[] = SIZES.map((s) => ({ userHash: hash(`bench ${s.key}`), count: Math.round(ROWS * s.share) }));
  let rest = ROWS - plan.reduce((a, p) => a + p.count, 0);
  for (let i = 0; rest > 0; i++) {
    const count = Math.min(FILLER_TENANT_ROWS, rest);
    plan.push({ userHash: hash(`bench filler ${i}`), count });
    rest -= count;
  }

  // Load without the HNSW index, then build it from its own definition (one backend,
  // no parallel workers: the CVE-2026-3172 mitigation).
  const { rows: defRows } = await client.query("select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def");
  await client.query("drop index memvault.memory_chunks_embedding_hnsw");
  const BATCH = 1000;
  let loaded = 0;
  const loadStart = performance.now();
  const queue = plan.flatMap((p) => Array.from({ length: p.count }, () => p.userHash));
  for (let i = 0; i < queue.length; i += BATCH) {
    const hashes = queue.slice(i, i + BATCH);
    const vectors = hashes.map(() => toPgVector(next()));
    await client.query(
      `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
       select h, 1, '\\x00', '\\x00', '\\x00', v::public.vector from unnest($1::text[], $2::text[]) as u(h, v)`,
      [hashes, vectors],
    );
    loaded += hashes.length;
    progress("load", loaded, queue.length);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  log("building the HNSW index");
  const buildStart = performance.now();
  await client.query("set max_parallel_maintenance_workers = 0");
  await client.query(defRows[0].def);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  await client.query("vacuum analyze memvault.memory_chunks");
  log(`loaded in ${loadSeconds.toFixed(1)} s, index built in ${buildSeconds.toFixed(1)} s`);

  const metrics: Record<string, number> = { rows: ROWS, dims: DIMS, k: K, queries_per_size: QUERIES, index_build_s: buildSeconds };
  const table: (string | number)[][] = [];
  for (const size of SIZES) {
    const tenant = plan.find((p) => p.userHash === hash(`bench ${size.key}`))!;
    // The same queries and the same exact answers for every floor swept.
    const queries = Array.from({ length: QUERIES }, () => toPgVector(next()));
    const truths: Set<string>[] = [];
    await client.query("begin");
    await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [tenant.userHash]);
    for (const query of queries) {
      const truth = await client.query<{ id: string }>(
        `select id from memvault.memory_chunks
         order by (embedding operator(public.<=>) $1::public.vector) + 0 limit $2::integer`,
        [query, K],
      );
      truths.push(new Set(truth.rows.map((r) => r.id)));
    }
    await client.query("rollback");
    for (const { label, settings } of CONFIGS) {
      // search_chunks sets hnsw.ef_search for the transaction: the settings are applied before every call.
      const apply = async () => {
        for (const [name, value] of settings) await client.query("select set_config($1, $2, true)", [name, value]);
      };
      await client.query("begin");
      await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [tenant.userHash]);
      const latencies: number[] = [];
      const recalls: number[] = [];
      for (let w = 0; w < 10; w++) {
        await apply();
        await client.query("select * from memvault.search_chunks($1::public.vector, $2::integer)", [toPgVector(next()), K]);
      }
      for (let q = 0; q < QUERIES; q++) {
        await apply();
        const t0 = performance.now();
        const ann = await client.query<{ id: string }>("select id from memvault.search_chunks($1::public.vector, $2::integer)", [queries[q], K]);
        latencies.push(performance.now() - t0);
        const want = truths[q]!;
        recalls.push(ann.rows.filter((r) => want.has(r.id)).length / Math.max(1, want.size));
        progress(`tenant ${size.label} (${label})`, q + 1, QUERIES);
      }
      // Which way search_chunks went: it sets hnsw.iterative_scan only on its HNSW path; there,
      // whether the planner then scans the HNSW index or sorts the tenant's rows (it may, at a
      // high ef_search and few rows), shown by the same query under the same settings.
      let path = "exact";
      if ((await client.query("select current_setting('hnsw.iterative_scan') as s")).rows[0].s === "relaxed_order") {
        const plan = await client.query(
          `explain select c.id from memvault.memory_chunks c where c.user_hash = '${tenant.userHash}'
           order by c.embedding operator(public.<=>) $1::public.vector limit ${K}`,
          [queries[0]],
        );
        path = plan.rows.some((r) => String(r["QUERY PLAN"]).includes("memory_chunks_embedding_hnsw")) ? "HNSW" : "HNSW path, planner sorts";
      }
      await client.query("rollback");
      const row = {
        recall: mean(recalls),
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
      };
      if (label === "rule") {
        metrics[`recall_at_${K}_${size.key}`] = row.recall;
        metrics[`search_p50_ms_${size.key}`] = row.p50;
        metrics[`search_p95_ms_${size.key}`] = row.p95;
        metrics[`search_p99_ms_${size.key}`] = row.p99;
      } else {
        const key = settings.map(([k, v]) => `${k.replace(/^.*\./, "")}_${v}`).join("_");
        metrics[`sweep_${key}_recall_at_${K}_${size.key}`] = row.recall;
        metrics[`sweep_${key}_search_p95_ms_${size.key}`] = row.p95;
      }
      table.push([size.label, tenant.count, label, path, row.recall, row.p50, row.p95, row.p99]);
    }
  }
  const header = ["tenant", "rows", "settings", "path", `recall@${K}`, "p50 ms", "p95 ms", "p99 ms"];
  if (!CONFIGS.some((c) => c.label === "rule")) {
    // A sweep only: nothing measured the rule, so nothing is written.
    printTable(header, table);
    process.stdout.write(`sweep only (add "rule" to --sweep for the metrics); nothing written\n`);
  } else {
    metrics[`recall_at_${K}_min`] = Math.min(...SIZES.map((s) => metrics[`recall_at_${K}_${s.key}`]!));
    metrics.search_p95_ms_max = Math.max(...SIZES.map((s) => metrics[`search_p95_ms_${s.key}`]!));
    if (K === 8) metrics.recall_at_8_min = metrics[`recall_at_${K}_min`]!;

    printTable(header, table);
    process.stdout.write(`HNSW build: ${buildSeconds.toFixed(1)} s for ${ROWS} rows (1 backend); vectors: ${shape}\n`);
    const name = shape === "clustered" ? "ann" : `ann-${shape}`;
    const file = writeBenchResult(name, metrics, { shape });
    process.stdout.write(`wrote ${file}\n`);
  }
} finally {
  await client.end().catch(() => {});
  cluster.destroy();
}

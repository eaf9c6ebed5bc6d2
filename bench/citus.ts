// npm run bench:citus [-- --rows 200000] [--queries 100] [--ingest 5000] [--shards 32]
// The same clustered vectors on one PostgreSQL and on a Citus cluster (a coordinator and
// two worker nodes, all on this machine; loaded on the coordinator, then distributed as
// `memvault db distribute` does): recall@8 and search latency per tenant size through the
// application's own tenant transaction, and the sealed-ingest rate through the worker. Both clusters share the cores, so this measures what the coordinator adds,
// not a speed-up.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { readWorkerConfig } from "../src/config/workerConfig.ts";
import { newKeyringDocument } from "../src/crypto/keyring.ts";
import { superuserAppUrl } from "../src/db/databaseTarget.ts";
import { distributeDatabase } from "../src/db/distributeDatabase.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { ROLES } from "../src/db/roles.ts";
import { createThrowawayCluster, type ThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { withTenantFrom } from "../src/db/withTenant.ts";
import { runWorker } from "../src/worker/runWorker.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { mean, percentile } from "./support/stats.ts";
import { toPgVector, vectorSource } from "./support/vectors.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      rows: { type: "string", default: "200000" },
      queries: { type: "string", default: "100" },
      ingest: { type: "string", default: "5000" },
      shards: { type: "string", default: "32" },
    },
    { rows: "3000", queries: "3", ingest: "100", shards: "4" },
  ),
});
const ROWS = Number(values.rows);
const QUERIES = Number(values.queries);
const INGEST = Number(values.ingest);
const SHARDS = Number(values.shards);
const K = 8;
const DIMS = readDbConfig().EMBEDDING_DIM;
const DATABASE = "memvault_bench";
const SIZES = [
  { label: "0.1%", key: "0_1pct", share: 0.001 },
  { label: "1%", key: "1pct", share: 0.01 },
  { label: "10%", key: "10pct", share: 0.1 },
  { label: "30%", key: "30pct", share: 0.3 },
];
const FILLER_TENANT_ROWS = 100;
const hash = (s: string) => createHash("sha256").update(s).digest("hex");
const log = (line: string) => process.stderr.write(`[bench:citus] ${line}\n`);

const plan: { userHash: string; count: number }[] = SIZES.map((s) => ({ userHash: hash(`bench ${s.key}`), count: Math.round(ROWS * s.share) }));
for (let rest = ROWS - plan.reduce((a, p) => a + p.count, 0), i = 0; rest > 0; i++) {
  plan.push({ userHash: hash(`bench filler ${i}`), count: Math.min(FILLER_TENANT_ROWS, rest) });
  rest -= FILLER_TENANT_ROWS;
}

/**
 * The same rows (same seed) into either cluster, the HNSW index built after the load. On
 * Citus the rows go into the coordinator's table first, as on a single node, and
 * `afterLoad` distributes them (what `memvault db distribute` does to a grown database).
 */
async function load(root: pg.Client, label: string, afterLoad: () => Promise<void> = async () => {}): Promise<{ loadSeconds: number; buildSeconds: number }> {
  const next = vectorSource("clustered", DIMS, 42);
  const { rows: def } = await root.query("select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def");
  await root.query("drop index memvault.memory_chunks_embedding_hnsw");
  const queue = plan.flatMap((p) => Array.from({ length: p.count }, () => p.userHash));
  const t0 = performance.now();
  for (let i = 0; i < queue.length; i += 1000) {
    const hashes = queue.slice(i, i + 1000);
    await root.query(
      `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
       select h, 1, '\\x00', '\\x00', '\\x00', v::public.vector from unnest($1::text[], $2::text[]) as u(h, v)`,
      [hashes, hashes.map(() => toPgVector(next()))],
    );
    progress(`${label}: load`, Math.min(i + 1000, queue.length), queue.length);
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  await afterLoad();
  log(`${label}: building the HNSW index (per shard on Citus)`);
  const t1 = performance.now();
  await root.query("set max_parallel_maintenance_workers = 0");
  await root.query(def[0].def);
  const buildSeconds = (performance.now() - t1) / 1000;
  await root.query("vacuum analyze memvault.memory_chunks");
  return { loadSeconds, buildSeconds };
}

interface SizeResult {
  recall: number;
  latencies: number[];
}

/** Searches as memvault_user through withTenant (what the API does), against exact ranking. */
async function measureSearch(cluster: ThrowawayCluster, root: pg.Client, label: string): Promise<Map<string, SizeResult>> {
  const app = new pg.Pool({ connectionString: roleUrl(cluster.state, "authenticator", DATABASE), max: 1 });
  const out = new Map<string, SizeResult>();
  // Queries from the data's own distribution (same centroids), after the loaded vectors.
  const next = vectorSource("clustered", DIMS, 42);
  for (let i = 0; i < ROWS; i++) next();
  try {
    for (const size of SIZES) {
      const tenant = plan.find((p) => p.userHash === hash(`bench ${size.key}`))!;
      const withTenant = withTenantFrom(app, { userHash: tenant.userHash, role: ROLES.user });
      const search = (q: string) => withTenant((tx) => tx.query<{ id: string }>("select id::text from memvault.search_chunks($1::public.vector, $2::integer)", [q, K]));
      for (let w = 0; w < 10; w++) await search(toPgVector(next()));
      const latencies: number[] = [];
      const recalls: number[] = [];
      for (let q = 0; q < QUERIES; q++) {
        const query = toPgVector(next());
        const t0 = performance.now();
        const ann = await search(query);
        latencies.push(performance.now() - t0);
        const truth = await root.query<{ id: string }>(
          `select id::text from memvault.memory_chunks where user_hash = $1::text
           order by (embedding operator(public.<=>) $2::public.vector) + 0 limit $3::integer`,
          [tenant.userHash, query, K],
        );
        const want = new Set(truth.rows.map((r) => r.id));
        recalls.push(ann.rows.filter((r) => want.has(r.id)).length / Math.max(1, want.size));
        progress(`${label}: tenant ${size.label}`, q + 1, QUERIES);
      }
      out.set(size.key, { recall: mean(recalls), latencies });
    }
  } finally {
    await app.end();
  }
  return out;
}

/** INGEST rows over 50 tenants into chunk_ingest, sealed by the worker into memory_chunks; rows/s to the last seal. */
async function measureIngest(cluster: ThrowawayCluster, root: pg.Client, label: string): Promise<number> {
  const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
  fs.writeFileSync(keyringFile, JSON.stringify(newKeyringDocument()), { mode: 0o600 });
  const worker = await runWorker({
    connectionString: roleUrl(cluster.state, "worker", DATABASE),
    keyringSource: { variable: "bench keyring", file: keyringFile },
    concurrency: readWorkerConfig().WORKER_CONCURRENCY,
    batchSize: readWorkerConfig().SEAL_BATCH_SIZE,
    metricsPort: 0,
    metricsHost: "127.0.0.1",
  });
  const next = vectorSource("clustered", DIMS, 99);
  const tenants = Array.from({ length: 50 }, (_, i) => hash(`bench ingest ${i}`));
  const count = async () => Number((await root.query("select count(*) as n from memvault.memory_chunks where user_hash = any($1::text[])", [tenants])).rows[0].n);
  try {
    const t0 = performance.now();
    const perTenant = Math.ceil(INGEST / tenants.length);
    for (const [i, tenant] of tenants.entries()) {
      const n = Math.min(perTenant, INGEST - i * perTenant);
      if (n <= 0) break;
      await root.query(
        `insert into memvault.chunk_ingest (user_hash, id, text, meta, embedding)
         select $1::text, u.id, 'bench passage ' || u.id, '{}'::jsonb, u.v::public.vector from unnest($2::uuid[], $3::text[]) as u(id, v)`,
        [tenant, Array.from({ length: n }, () => randomUUID()), Array.from({ length: n }, () => toPgVector(next()))],
      );
    }
    for (let sealed = 0; sealed < INGEST; ) {
      sealed = await count();
      progress(`${label}: sealed`, sealed, INGEST);
      if (sealed < INGEST) await new Promise((r) => setTimeout(r, 100));
    }
    return INGEST / ((performance.now() - t0) / 1000);
  } finally {
    await worker.stop();
  }
}

log(`${ROWS} rows x ${DIMS} dims (clustered), ${QUERIES} queries per tenant size, k=${K}; Citus: 2 worker nodes, ${SHARDS} shards`);
const single = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: DATABASE, prefix: "mvs-", log });
let citus: ThrowawayCluster | undefined;
const roots: pg.Client[] = [];
try {
  citus = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: DATABASE, prefix: "mvc-", log, nodes: 3 });
  const citusUrl = superuserAppUrl(citus.target);
  let distributeSeconds = 0;
  const distribute = async () => {
    const t0 = performance.now();
    const distributed = await distributeDatabase(citusUrl, { shardCount: SHARDS, log });
    distributeSeconds = (performance.now() - t0) / 1000;
    if (distributed.unforcedShards.length) throw new Error(`unforced shards: ${distributed.unforcedShards.join(", ")}`);
    log(`distributed ${ROWS} rows in ${distributeSeconds.toFixed(1)} s`);
  };
  const singleRoot = new pg.Client({ connectionString: roleUrl(single.state, "root", DATABASE) });
  const citusRoot = new pg.Client({ connectionString: roleUrl(citus.state, "root", DATABASE) });
  roots.push(singleRoot, citusRoot);
  await singleRoot.connect();
  await citusRoot.connect();

  const singleLoad = await load(singleRoot, "single node");
  const citusLoad = await load(citusRoot, "citus", distribute);
  const singleSearch = await measureSearch(single, singleRoot, "single node");
  const citusSearch = await measureSearch(citus, citusRoot, "citus");
  const singleIngest = await measureIngest(single, singleRoot, "single node ingest");
  const citusIngest = await measureIngest(citus, citusRoot, "citus ingest");

  const metrics: Record<string, number> = {
    rows: ROWS,
    shards: SHARDS,
    worker_nodes: 2,
    queries_per_size: QUERIES,
    citus_load_s: citusLoad.loadSeconds,
    distribute_s: distributeSeconds,
    citus_index_build_s: citusLoad.buildSeconds,
    single_node_load_s: singleLoad.loadSeconds,
    single_node_index_build_s: singleLoad.buildSeconds,
    ingest_rows_per_s: citusIngest,
    single_node_ingest_rows_per_s: singleIngest,
  };
  const table: (string | number)[][] = [];
  for (const size of SIZES) {
    const c = citusSearch.get(size.key)!;
    const s = singleSearch.get(size.key)!;
    metrics[`recall_at_8_${size.key}`] = c.recall;
    metrics[`single_node_recall_at_8_${size.key}`] = s.recall;
    metrics[`search_p50_ms_${size.key}`] = percentile(c.latencies, 50);
    metrics[`search_p95_ms_${size.key}`] = percentile(c.latencies, 95);
    metrics[`single_node_search_p50_ms_${size.key}`] = percentile(s.latencies, 50);
    metrics[`single_node_search_p95_ms_${size.key}`] = percentile(s.latencies, 95);
    table.push([size.label, plan.find((p) => p.userHash === hash(`bench ${size.key}`))!.count, c.recall, s.recall,
      percentile(c.latencies, 50), percentile(c.latencies, 95), percentile(s.latencies, 50), percentile(s.latencies, 95)]);
  }
  const all = (m: Map<string, SizeResult>) => [...m.values()].flatMap((r) => r.latencies);
  metrics.recall_at_8_min = Math.min(...SIZES.map((s) => citusSearch.get(s.key)!.recall));
  metrics.single_node_recall_at_8_min = Math.min(...SIZES.map((s) => singleSearch.get(s.key)!.recall));
  metrics.search_p50_ms = percentile(all(citusSearch), 50);
  metrics.search_p95_ms = percentile(all(citusSearch), 95);
  metrics.single_node_search_p50_ms = percentile(all(singleSearch), 50);
  metrics.single_node_search_p95_ms = percentile(all(singleSearch), 95);

  printTable(["tenant", "rows", "recall@8 citus", "recall@8 1 node", "p50 ms citus", "p95 ms citus", "p50 ms 1 node", "p95 ms 1 node"], table);
  printTable(["measure", "citus", "1 node"], [
    ["search p50 ms (all sizes)", metrics.search_p50_ms, metrics.single_node_search_p50_ms],
    ["search p95 ms (all sizes)", metrics.search_p95_ms, metrics.single_node_search_p95_ms],
    ["ingest, sealed rows/s", citusIngest, singleIngest],
    ["load s / HNSW build s", `${citusLoad.loadSeconds.toFixed(1)} / ${citusLoad.buildSeconds.toFixed(1)}`, `${singleLoad.loadSeconds.toFixed(1)} / ${singleLoad.buildSeconds.toFixed(1)}`],
    [`db distribute of ${ROWS} rows, s`, distributeSeconds, "-"],
  ]);
  process.stdout.write(`wrote ${writeBenchResult("citus", metrics, { shape: "clustered" })}\n`);
} finally {
  for (const c of roots) await c.end().catch(() => {});
  citus?.destroy();
  single.destroy();
}

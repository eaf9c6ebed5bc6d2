// npm run bench:ann [-- --shape uniform] [--rows 100000] [--queries 200]
// search_chunks recall@8 against exact search and latency, for tenants holding 0.1%,
// 1%, 10% and 50% of the rows, on a throwaway cluster.
import { parseArgs } from "node:util";
import pg from "pg";
import { config } from "../src/config.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { writeBenchResult, printTable, progress } from "./support/benchResult.ts";
import { percentile, mean } from "./support/stats.ts";
import { vectorSource, toPgVector, type VectorShape } from "./support/vectors.ts";
import { createHash } from "node:crypto";

const { values } = parseArgs({
  options: {
    shape: { type: "string", default: "clustered" },
    rows: { type: "string", default: "100000" },
    queries: { type: "string", default: "200" },
    k: { type: "string", default: "8" },
  },
});
const shape = values.shape as VectorShape;
const ROWS = Number(values.rows);
const QUERIES = Number(values.queries);
const K = Number(values.k);
const DIMS = config.embeddingDim();
const SIZES = [
  { label: "0.1%", key: "0_1pct", share: 0.001 },
  { label: "1%", key: "1pct", share: 0.01 },
  { label: "10%", key: "10pct", share: 0.1 },
  { label: "50%", key: "50pct", share: 0.5 },
];
const FILLER_TENANT_ROWS = 100;
const hash = (s: string) => createHash("sha256").update(s).digest("hex");

const log = (line: string) => process.stderr.write(`[bench:ann] ${line}\n`);
log(`${ROWS} rows x ${DIMS} dims (${shape}), ${QUERIES} queries per tenant size, k=${K}`);
const cluster = await createThrowawayCluster({ pgBin: config.pgBin(), databaseName: "memvault_bench", prefix: "mvb-", log });
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
    await client.query("begin");
    await client.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [tenant.userHash]);
    const latencies: number[] = [];
    const recalls: number[] = [];
    for (let w = 0; w < 10; w++) {
      await client.query("select * from memvault.search_chunks($1::public.vector, $2::integer)", [toPgVector(next()), K]);
    }
    for (let q = 0; q < QUERIES; q++) {
      const query = toPgVector(next());
      const t0 = performance.now();
      const ann = await client.query<{ id: string }>("select id from memvault.search_chunks($1::public.vector, $2::integer)", [query, K]);
      latencies.push(performance.now() - t0);
      const truth = await client.query<{ id: string }>(
        `select id from memvault.memory_chunks
         order by (embedding operator(public.<=>) $1::public.vector) + 0 limit $2::integer`,
        [query, K],
      );
      const want = new Set(truth.rows.map((r) => r.id));
      recalls.push(ann.rows.filter((r) => want.has(r.id)).length / Math.max(1, want.size));
      progress(`tenant ${size.label}`, q + 1, QUERIES);
    }
    await client.query("rollback");
    const row = {
      recall: mean(recalls),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    };
    metrics[`recall_at_${K}_${size.key}`] = row.recall;
    metrics[`search_p50_ms_${size.key}`] = row.p50;
    metrics[`search_p95_ms_${size.key}`] = row.p95;
    metrics[`search_p99_ms_${size.key}`] = row.p99;
    table.push([size.label, tenant.count, row.recall, row.p50, row.p95, row.p99]);
  }
  metrics[`recall_at_${K}_min`] = Math.min(...SIZES.map((s) => metrics[`recall_at_${K}_${s.key}`]!));
  metrics.search_p95_ms_max = Math.max(...SIZES.map((s) => metrics[`search_p95_ms_${s.key}`]!));
  if (K === 8) metrics.recall_at_8_min = metrics[`recall_at_${K}_min`]!;

  printTable(["tenant", "rows", `recall@${K}`, "p50 ms", "p95 ms", "p99 ms"], table);
  process.stdout.write(`HNSW build: ${buildSeconds.toFixed(1)} s for ${ROWS} rows (1 backend); vectors: ${shape}\n`);
  const name = shape === "clustered" ? "ann" : `ann-${shape}`;
  const file = writeBenchResult(name, metrics, { shape });
  process.stdout.write(`wrote ${file}\n`);
} finally {
  await client.end().catch(() => {});
  cluster.destroy();
}

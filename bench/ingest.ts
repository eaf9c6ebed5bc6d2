// npm run bench:ingest [-- --rows 20000]
// On one throwaway cluster and the same data (DL19 passages, random 384-dim vectors):
//  (a) rows/s sealed end to end, bulk insert into chunk_ingest -> all sealed, HNSW present
//  (b) rows/s of plain SQL inserts of the same rows into an identical table and index
//  (c) rows/s sealed end to end with no ANN index (the pipeline's own cost)
//  (d) add->start job latency for single-row inserts
//  (e) (a) and (c) again with the keyword index off (KEYWORD_INDEX=false): what the
//      terms cost (terms_overhead_ratio = (a) / (a without terms), the HNSW path users run);
//      (a), (c) and (e) run twice each, with and without terms alternating
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { readWorkerConfig } from "../src/config/workerConfig.ts";
import { newKeyringDocument } from "../src/crypto/keyring.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { runWorker } from "../src/worker/runWorker.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { loadCorpus } from "./support/corpus.ts";
import { percentile } from "./support/stats.ts";
import { toPgVector, vectorSource } from "./support/vectors.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      rows: { type: "string", default: "20000" },
      singles: { type: "string", default: "200" },
      // Only (c): for iterating on the pipeline's own cost.
      "noindex-only": { type: "boolean", default: false },
    },
    { rows: "1000", singles: "10" },
  ),
});
const ROWS = Number(values.rows);
const SINGLES = Number(values.singles);
const DIMS = readDbConfig().EMBEDDING_DIM;
const log = (line: string) => process.stderr.write(`[bench:ingest] ${line}\n`);

const corpus = loadCorpus();
const passages = corpus.queries.flatMap((q) => q.passages);
const next = vectorSource("uniform", DIMS, 7);
const tenant = createHash("sha256").update("bench ingest tenant").digest("hex");
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: randomUUID(),
  text: passages[i % passages.length]!,
  meta: JSON.stringify({ passage: i % passages.length }),
  embedding: toPgVector(next()),
}));
log(`${ROWS} rows (${passages.length} distinct passages, corpus: ${corpus.source}), ${DIMS} dims, random vectors`);

const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: "memvault_bench", prefix: "mvi-", log });
// A development keyring for this run only, in the throwaway cluster's directory.
const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
fs.writeFileSync(keyringFile, JSON.stringify(newKeyringDocument()), { mode: 0o600 });
const root = new pg.Client({ connectionString: roleUrl(cluster.state, "root", "memvault_bench") });
const BATCH = 1000;

async function insertBatches(sql: string, label: string): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    await root.query(sql, [tenant, b.map((r) => r.id), b.map((r) => r.text), b.map((r) => r.meta), b.map((r) => r.embedding)]);
    progress(label, Math.min(i + BATCH, rows.length), rows.length);
  }
}

const count = async (sql: string) => Number((await root.query(sql)).rows[0].n);

/** The same worker `memvault worker` runs, in this process (WORKER_CONCURRENCY, SEAL_BATCH_SIZE apply). */
const startBenchWorker = (keywordIndex = true) =>
  runWorker({
    keywordIndex,
    connectionString: roleUrl(cluster.state, "worker", "memvault_bench"),
    keyringSource: { variable: "bench keyring", file: keyringFile },
    concurrency: readWorkerConfig().WORKER_CONCURRENCY,
    batchSize: readWorkerConfig().SEAL_BATCH_SIZE,
    metricsPort: 0,
    metricsHost: "127.0.0.1",
  });

/** Bulk insert into chunk_ingest, then wait until every row is sealed; rows/s over the whole span. */
async function sealEndToEnd(label: string, keywordIndex = true): Promise<number> {
  // The index tables hang on their memory (foreign keys to memory_chunks): all go together.
  await root.query("truncate memvault.memory_labels, memvault.memory_terms, memvault.memory_chunks");
  const worker = await startBenchWorker(keywordIndex);
  try {
    const t0 = performance.now();
    await insertBatches(
      `insert into memvault.chunk_ingest (user_hash, id, text, meta, embedding)
       select $1, u.id, u.text, u.meta::jsonb, u.embedding::public.vector
       from unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) as u(id, text, meta, embedding)`,
      `${label}: insert`,
    );
    for (;;) {
      const sealed = await count("select count(*) as n from memvault.memory_chunks");
      progress(`${label}: sealed`, sealed, ROWS);
      if (sealed >= ROWS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return ROWS / ((performance.now() - t0) / 1000);
  } finally {
    await worker.stop();
  }
}

/**
 * Sealed rows/s with the keyword index and without, in the order with, without, without,
 * with, each the mean of its two runs: a drift of the machine between runs (throughput moves
 * up to 1.35x from one run to the next here) then weighs on both sides alike.
 */
async function withAndWithoutTerms(label: string): Promise<[number, number]> {
  const runs: number[] = [];
  for (const terms of [true, false, false, true]) runs.push(await sealEndToEnd(`sealed (${label}${terms ? "" : ", no terms"})`, terms));
  return [(runs[0]! + runs[3]!) / 2, (runs[1]! + runs[2]!) / 2];
}

try {
  await root.connect();
  const { rows: def } = await root.query("select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def");
  const hnswDef = def[0].def as string;

  // (b) the floor Postgres sets: one backend, plain INSERTs of the same rows (plaintext
  // where memvault stores ciphers) into a table shaped like memory_chunks, same index.
  await root.query("create schema bench");
  await root.query("create table bench.plain (like memvault.memory_chunks including defaults including constraints)");
  await root.query("set max_parallel_maintenance_workers = 0");
  await root.query(hnswDef.replace(/memory_chunks_embedding_hnsw ON memvault\.memory_chunks/, "plain_embedding_hnsw ON bench.plain"));
  if (values["noindex-only"]) {
    await root.query("drop index memvault.memory_chunks_embedding_hnsw");
    printTable(["measure", "value"], [["(c) sealed end to end, no ANN index (rows/s)", await sealEndToEnd("sealed (no index)")]]);
  } else {
    await fullRun(hnswDef);
  }
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
}

async function fullRun(hnswDef: string): Promise<void> {
  const t0 = performance.now();
  await insertBatches(
    `insert into bench.plain (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
     select $1, u.id, 1, convert_to(u.text, 'UTF8'), convert_to(u.meta, 'UTF8'), float4send(0), u.embedding::public.vector
     from unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) as u(id, text, meta, embedding)`,
    "plain SQL",
  );
  const plain = ROWS / ((performance.now() - t0) / 1000);
  await root.query("drop schema bench cascade");

  // (a) end to end with the HNSW index, and (e) the same without the keyword index
  const [hnsw, hnswNoTerms] = await withAndWithoutTerms("HNSW");

  // (c) end to end without an ANN index, with and without terms
  await root.query("drop index memvault.memory_chunks_embedding_hnsw");
  const [noIndex, noIndexNoTerms] = await withAndWithoutTerms("no index");
  await root.query(hnswDef);

  // (d) add->start latency: single-row inserts, one at a time, as an application would.
  const worker = await startBenchWorker();
  const latencies: number[] = [];
  const started = new Map<string, number>();
  worker.events.on("job:start", ({ job }) => started.set(job.id, Date.now() - new Date(job.run_at).getTime()));
  try {
    for (let i = 0; i < SINGLES; i++) {
      const r = rows[i]!;
      const before = await count("select count(*) as n from memvault.memory_chunks");
      await root.query(
        "insert into memvault.chunk_ingest (user_hash, id, text, embedding) values ($1, $2, $3, $4::public.vector)",
        [tenant, randomUUID(), r.text, r.embedding],
      );
      while ((await count("select count(*) as n from memvault.memory_chunks")) === before) await new Promise((res) => setTimeout(res, 1));
      progress("single inserts", i + 1, SINGLES);
    }
    latencies.push(...started.values());
  } finally {
    await worker.stop();
  }

  const metrics = {
    rows: ROWS,
    rows_per_s_hnsw: hnsw,
    rows_per_s_plain_sql_hnsw: plain,
    overhead_ratio: hnsw / plain,
    rows_per_s_noindex: noIndex,
    rows_per_s_hnsw_no_terms: hnswNoTerms,
    terms_overhead_ratio: hnsw / hnswNoTerms,
    rows_per_s_noindex_no_terms: noIndexNoTerms,
    terms_overhead_ratio_noindex: noIndex / noIndexNoTerms,
    job_latency_p50_ms: percentile(latencies, 50),
    job_latency_p95_ms: percentile(latencies, 95),
    job_latency_p99_ms: percentile(latencies, 99),
    worker_concurrency: readWorkerConfig().WORKER_CONCURRENCY,
    seal_batch_size: readWorkerConfig().SEAL_BATCH_SIZE,
  };
  printTable(
    ["measure", "value"],
    [
      ["(a) sealed end to end, HNSW present (rows/s)", hnsw],
      ["(b) plain SQL insert, same table + HNSW (rows/s)", plain],
      ["(a)/(b)", hnsw / plain],
      ["(c) sealed end to end, no ANN index (rows/s)", noIndex],
      ["(e) (a) without the keyword index (rows/s)", hnswNoTerms],
      ["(e) terms overhead: (a) / (a without terms)", hnsw / hnswNoTerms],
      ["(e) (c) without the keyword index (rows/s)", noIndexNoTerms],
      ["(e) terms overhead, no ANN index: (c) / (c without terms)", noIndex / noIndexNoTerms],
      ["(d) add->start job latency p50 (ms)", metrics.job_latency_p50_ms],
      ["(d) add->start job latency p95 (ms)", metrics.job_latency_p95_ms],
    ],
  );
  process.stdout.write(`wrote ${writeBenchResult("ingest", metrics, { corpus: corpus.source })}\n`);
}

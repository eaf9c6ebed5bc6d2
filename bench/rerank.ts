// npm run bench:rerank: the cross-encoder on the TinyBERT-L-2 shape (generated weights,
// the real model's compute) over the 43 DL19 queries and their top-24 BM25 passages.
//  scorer: one query's 24 pairs scored, in process
//  e2e:    request insert -> worker scores -> write-back -> NOTIFY -> caller re-reads
//  throughput: reranked queries per minute with 2 callers, worker concurrency 2
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { writeTestModel } from "../scripts/testModels.ts";
import { config } from "../src/config.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { createSealer } from "../src/crypto/seal.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { loadCrossEncoder } from "../src/rerank/crossEncoder.ts";
import { createSearchWaiter } from "../src/api/searchWaiter.ts";
import type { WithTenant } from "../src/db/withTenant.ts";
import { runWorker } from "../src/worker/runWorker.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { loadCorpus } from "./support/corpus.ts";
import { percentile } from "./support/stats.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, "throughput-seconds": { type: "string", default: "30" }, k: { type: "string", default: "24" } },
});
const ROUNDS = Number(values.rounds);
const K = Number(values.k);
const THROUGHPUT_MS = Number(values["throughput-seconds"]) * 1000;
const log = (line: string) => process.stderr.write(`[bench:rerank] ${line}\n`);

const corpus = loadCorpus({ passagesPerQuery: K });
const queries = corpus.queries;
log(`${queries.length} queries x ${K} passages, corpus: ${corpus.source}`);

const cluster = await createThrowawayCluster({ pgBin: config.pgBin(), databaseName: "memvault_bench", prefix: "mvr-", log });
const modelDir = path.join(cluster.state.home, "tinybert");
writeTestModel("tinybert", modelDir);
const keyringDoc = newKeyringDocument();
const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
fs.writeFileSync(keyringFile, JSON.stringify(keyringDoc), { mode: 0o600 });
process.env.RERANK_MODEL_DIR = modelDir;
const sealer = createSealer(parseKeyring("bench", JSON.stringify(keyringDoc)));

const threads = config.rerankThreads();
const metrics: Record<string, number> = { queries: queries.length, candidates: K, rerank_threads: threads, batch_size: config.rerankBatchSize() };
const root = new pg.Pool({ connectionString: roleUrl(cluster.state, "root", "memvault_bench"), max: 4 });
try {
  // Scorer only
  const scorer = await loadCrossEncoder({
    modelDir,
    maxLength: config.rerankMaxLength(),
    batchSize: config.rerankBatchSize(),
    threads,
    device: "cpu",
  });
  for (const q of queries.slice(0, 5)) await scorer.score(q.query, q.passages); // warm-up
  const scorerMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of queries) {
      const t0 = performance.now();
      await scorer.score(q.query, q.passages);
      scorerMs.push(performance.now() - t0);
    }
    progress("scorer", r + 1, ROUNDS);
  }
  await scorer.close();

  // The passages become one tenant's sealed chunks.
  const tenant = createHash("sha256").update("bench rerank tenant").digest("hex");
  const worker = await runWorker({
    connectionString: roleUrl(cluster.state, "worker", "memvault_bench"),
    keyringSource: { variable: "bench keyring", file: keyringFile },
    concurrency: 2,
    batchSize: config.sealBatchSize(),
    metricsPort: 0,
    metricsHost: "127.0.0.1",
  });
  const withTenant: WithTenant = async (fn) => {
    const c = await root.connect();
    try {
      await c.query("begin");
      await c.query("select set_config('role', 'memvault_user', true), set_config('app.user_hash', $1, true)", [tenant]);
      const out = await fn(c);
      await c.query("commit");
      return out;
    } catch (err) {
      await c.query("rollback");
      throw err;
    } finally {
      c.release();
    }
  };
  const candidateIds: string[][] = [];
  for (const q of queries) {
    candidateIds.push(
      await withTenant(async (c) =>
        (
          await c.query(
            `insert into memvault.chunk_ingest (text, embedding)
             select t, array_fill(0.1::real, array[${config.embeddingDim()}])::public.vector from unnest($1::text[]) t returning id::text`,
            [q.passages],
          )
        ).rows.map((r) => r.id as string),
      ),
    );
  }
  for (;;) {
    const n = Number((await root.query("select count(*) as n from memvault.memory_chunks")).rows[0].n);
    progress("sealing passages", n, queries.length * K);
    if (n >= queries.length * K) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const waiter = await createSearchWaiter(roleUrl(cluster.state, "worker", "memvault_bench"));
  const request = (i: number) =>
    waiter.rerank(withTenant, sealer, {
      userHash: tenant,
      query: queries[i % queries.length]!.query,
      candidates: candidateIds[i % queries.length]!.map((id, rank) => ({ id, distance: rank / 100 })),
      budgetMs: 2_000,
    });
  for (let i = 0; i < 5; i++) await request(i); // warm-up
  const e2eMs: number[] = [];
  let skipped = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < queries.length; i++) {
      const t0 = performance.now();
      const out = await request(i);
      e2eMs.push(performance.now() - t0);
      if (!out.reranked) skipped++;
    }
    progress("end to end", r + 1, ROUNDS);
  }

  // Throughput: two callers back to back for a fixed time.
  let done = 0;
  let i = 0;
  const until = performance.now() + THROUGHPUT_MS;
  const caller = async () => {
    while (performance.now() < until) {
      const out = await request(i++);
      if (out.reranked) done++;
      else skipped++;
    }
  };
  const t0 = performance.now();
  await Promise.all([caller(), caller()]);
  const perMinute = done / ((performance.now() - t0) / 60_000);
  await waiter.close();
  await worker.stop();

  Object.assign(metrics, {
    scorer_p50_ms: percentile(scorerMs, 50),
    scorer_p95_ms: percentile(scorerMs, 95),
    scorer_p99_ms: percentile(scorerMs, 99),
    e2e_p50_ms: percentile(e2eMs, 50),
    e2e_p95_ms: percentile(e2eMs, 95),
    e2e_p99_ms: percentile(e2eMs, 99),
    queries_per_min: perMinute,
    skipped,
  });
  printTable(
    ["measure", "p50 ms", "p95 ms", "p99 ms"],
    [
      ["scorer (24 pairs)", metrics.scorer_p50_ms!, metrics.scorer_p95_ms!, metrics.scorer_p99_ms!],
      ["end to end (insert -> NOTIFY -> read)", metrics.e2e_p50_ms!, metrics.e2e_p95_ms!, metrics.e2e_p99_ms!],
    ],
  );
  process.stdout.write(`throughput: ${perMinute.toFixed(0)} reranked queries/min (2 callers); skipped: ${skipped}; ORT threads: ${threads}\n`);
  process.stdout.write(`wrote ${writeBenchResult("rerank", metrics, { corpus: corpus.source })}\n`);
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
}

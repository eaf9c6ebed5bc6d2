// npm run bench:rerank [-- --model-dir DIR] [--int8-file auto|onnx/<export>.onnx]: the
// cross-encoder on the TinyBERT-L-2 shape (generated weights, the real model's compute; or
// the model in DIR) over the 43 DL19 queries and their top-24 BM25 passages.
//  scorer: one query's 24 pairs scored in process, fp32 (model.onnx) and int8 (the export
//          this CPU runs) alternately, with where the time goes: tokenising, building the
//          tensors, ONNX Runtime
//  agreement: the int8 order against the fp32 order (NDCG@8, Spearman, top 1) and how far
//          the scores move
//  e2e:    request insert -> worker scores (int8) -> write-back -> NOTIFY -> caller re-reads
//  throughput: reranked queries per minute with 2 callers, worker concurrency 2
import type { SealContext } from "../src/crypto/aad.ts";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { writeTestModel } from "../scripts/testModels.ts";
import { pgBinDir, readDbConfig } from "../src/config/dbConfig.ts";
import { readRerankConfig } from "../src/config/rerankConfig.ts";
import { readWorkerConfig } from "../src/config/workerConfig.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { createSealer } from "../src/crypto/seal.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { loadCrossEncoder, type CrossEncoder, type ScoreTimings } from "../src/rerank/crossEncoder.ts";
import { createSearchWaiter } from "../src/api/searchWaiter.ts";
import type { WithTenant } from "../src/db/withTenant.ts";
import { runWorker } from "../src/worker/runWorker.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { loadCorpus } from "./support/corpus.ts";
import { ndcgAtK, sameTop1, spearman } from "./support/rankAgreement.ts";
import { mean, percentile } from "./support/stats.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      rounds: { type: "string", default: "5" },
      "throughput-seconds": { type: "string", default: "30" },
      k: { type: "string", default: "24" },
      "model-dir": { type: "string" },
      "int8-file": { type: "string", default: "auto" },
    },
    { rounds: "1", "throughput-seconds": "2" },
  ),
});
const ROUNDS = Number(values.rounds);
const K = Number(values.k);
const THROUGHPUT_MS = Number(values["throughput-seconds"]) * 1000;
const log = (line: string) => process.stderr.write(`[bench:rerank] ${line}\n`);

const corpus = loadCorpus({ passagesPerQuery: K });
const queries = corpus.queries;
log(`${queries.length} queries x ${K} passages, corpus: ${corpus.source}`);

const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: "memvault_bench", prefix: "mvr-", log });
const modelDir = values["model-dir"] ? path.resolve(values["model-dir"]) : writeTestModel("tinybert", path.join(cluster.state.home, "tinybert"), { quantized: true });
log(`model: ${values["model-dir"] ? modelDir : "generated tinybert (fp32 and its int8 exports)"}`);
const keyringDoc = newKeyringDocument();
const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
fs.writeFileSync(keyringFile, JSON.stringify(keyringDoc), { mode: 0o600 });
process.env.RERANK_MODEL_DIR = modelDir;
// The worker scores with the int8 export when this CPU runs one (the end-to-end figures).
process.env.RERANK_MODEL_FILE = values["int8-file"]!;
const sealer = createSealer(parseKeyring("bench", JSON.stringify(keyringDoc)));
/** The query sealed as a keyring-sealed value from before per-tenant keys (the rerank job opens both). */
const sealQuery = async (_tx: unknown, plaintext: Buffer, ctx: SealContext) => sealer.seal(plaintext, ctx);

const threads = readRerankConfig().RERANK_THREADS;
const metrics: Record<string, number> = { queries: queries.length, candidates: K, rerank_threads: threads, batch_size: readRerankConfig().RERANK_BATCH_SIZE };
const root = new pg.Pool({ connectionString: roleUrl(cluster.state, "root", "memvault_bench"), max: 4 });
try {
  // Scorer only: fp32 and int8 take turns query by query, so both see the same noise.
  const load = (modelFile: string) =>
    loadCrossEncoder({
      modelDir,
      modelFile,
      maxLength: readRerankConfig().RERANK_MAX_LENGTH,
      batchSize: readRerankConfig().RERANK_BATCH_SIZE,
      threads,
      device: "cpu",
      onModelFallback: (reason) => log(`int8: ${reason}`),
    });
  const fp32 = await load("model.onnx");
  const int8 = await load(values["int8-file"]!);
  const scorers: [string, CrossEncoder][] = int8.precision === "int8" ? [["fp32", fp32], ["int8", int8]] : [["fp32", fp32]];
  if (int8.precision !== "int8") log("no int8 export runs on this CPU: fp32 only");
  else log(`int8 export: ${int8.file}`);
  for (const [, scorer] of scorers) for (const q of queries.slice(0, 5)) await scorer.score(q.query, q.passages); // warm-up
  const totals = new Map<string, number[]>(scorers.map(([name]) => [name, []]));
  const stages = new Map<string, Record<keyof ScoreTimings, number[]>>(scorers.map(([name]) => [name, { tokenize: [], tensors: [], run: [] }]));
  const firstScores = new Map<string, number[][]>(scorers.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of queries) {
      for (const [name, scorer] of r % 2 === 0 ? scorers : [...scorers].reverse()) {
        const t0 = performance.now();
        const { scores, timings } = await scorer.scoreTimed(q.query, q.passages);
        totals.get(name)!.push(performance.now() - t0);
        const st = stages.get(name)!;
        for (const stage of ["tokenize", "tensors", "run"] as const) st[stage].push(timings[stage]);
        if (r === 0) firstScores.get(name)!.push(scores);
      }
    }
    progress("scorer (fp32 and int8)", r + 1, ROUNDS);
  }
  await Promise.all([fp32.close(), int8.close()]);
  const profile: (string | number)[][] = [];
  for (const [name] of scorers) {
    const suffix = name === "fp32" ? "" : `_${name}`;
    const t = totals.get(name)!;
    const st = stages.get(name)!;
    metrics[`scorer_p50_ms${suffix}`] = percentile(t, 50);
    metrics[`scorer_p95_ms${suffix}`] = percentile(t, 95);
    metrics[`scorer_p99_ms${suffix}`] = percentile(t, 99);
    const means = { tokenize: mean(st.tokenize), tensors: mean(st.tensors), run: mean(st.run) };
    for (const [stage, ms] of Object.entries(means)) metrics[`profile_${stage}_ms${suffix}`] = ms;
    metrics[`profile_other_ms${suffix}`] = mean(t) - means.tokenize - means.tensors - means.run;
    profile.push([name, means.tokenize, means.tensors, means.run, metrics[`profile_other_ms${suffix}`]!, mean(t)]);
  }
  if (scorers.length === 2) {
    const ref = firstScores.get("fp32")!;
    const got = firstScores.get("int8")!;
    const drift = ref.flatMap((a, qi) => a.map((s, i) => Math.abs(s - got[qi]![i]!)));
    const spreads = ref.map((a) => Math.max(...a) - Math.min(...a));
    Object.assign(metrics, {
      rank_agreement_int8: mean(ref.map((a, qi) => ndcgAtK(a, got[qi]!, 8))),
      spearman_int8: mean(ref.map((a, qi) => spearman(a, got[qi]!))),
      top1_agreement_int8: mean(ref.map((a, qi) => (sameTop1(a, got[qi]!) ? 1 : 0))),
      score_drift_mean_int8: mean(drift),
      score_drift_max_int8: Math.max(...drift),
      score_spread_mean_fp32: mean(spreads),
    });
  }

  // The passages become one tenant's sealed chunks.
  const tenant = createHash("sha256").update("bench rerank tenant").digest("hex");
  const worker = await runWorker({
    connectionString: roleUrl(cluster.state, "worker", "memvault_bench"),
    keyringSource: { variable: "bench keyring", file: keyringFile },
    concurrency: 2,
    batchSize: readWorkerConfig().SEAL_BATCH_SIZE,
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
             select t, array_fill(0.1::real, array[${readDbConfig().EMBEDDING_DIM}])::public.vector from unnest($1::text[]) t returning id::text`,
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
    waiter.rerank(withTenant, sealQuery, {
      userHash: tenant,
      query: queries[i % queries.length]!.query,
      candidates: candidateIds[i % queries.length]!.map((id, rank) => ({ id, distance: rank / 100 })),
      budgetMs: 2_000,
    });
  for (let i = 0; i < 5; i++) await request(i); // warm-up
  const e2eMs: number[] = [];
  const requestIds: string[] = [];
  let skipped = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < queries.length; i++) {
      const t0 = performance.now();
      const out = await request(i);
      e2eMs.push(performance.now() - t0);
      requestIds.push(out.requestId);
      if (!out.reranked) skipped++;
    }
    progress("end to end", r + 1, ROUNDS);
  }
  // The worker records each request's scoring time: the rest of e2e is the round trip.
  const workerScoringMs = (await root.query<{ ms: number }>("select latency_ms as ms from memvault.search_requests where id = any($1::uuid[]) and latency_ms is not null", [requestIds])).rows.map((r) => r.ms);

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
    e2e_p50_ms: percentile(e2eMs, 50),
    e2e_p95_ms: percentile(e2eMs, 95),
    e2e_p99_ms: percentile(e2eMs, 99),
    queries_per_min: perMinute,
    skipped,
  });
  // Everything around the model: insert, job pick-up, unsealing, write-back, NOTIFY, re-read.
  metrics.profile_worker_scoring_p50_ms = percentile(workerScoringMs, 50);
  metrics.profile_round_trip_ms = metrics.e2e_p50_ms! - metrics.profile_worker_scoring_p50_ms;
  printTable(
    ["measure", "p50 ms", "p95 ms", "p99 ms"],
    [
      [`scorer fp32 (${K} pairs)`, metrics.scorer_p50_ms!, metrics.scorer_p95_ms!, metrics.scorer_p99_ms!],
      ...(metrics.scorer_p50_ms_int8 !== undefined ? [[`scorer int8 (${K} pairs)`, metrics.scorer_p50_ms_int8, metrics.scorer_p95_ms_int8!, metrics.scorer_p99_ms_int8!]] : []),
      [`end to end, ${scorers.length === 2 ? "int8" : "fp32"} (insert -> NOTIFY -> read)`, metrics.e2e_p50_ms!, metrics.e2e_p95_ms!, metrics.e2e_p99_ms!],
    ],
  );
  process.stdout.write("\nwhere a score() call's time goes (means, ms):\n");
  printTable(["model", "tokenize", "tensors", "ONNX Runtime", "other", "total"], profile);
  process.stdout.write(
    `end to end p50 ${metrics.e2e_p50_ms!.toFixed(1)} ms = scoring in the worker ${metrics.profile_worker_scoring_p50_ms.toFixed(1)} ms (p50, as it records) + ` +
      `the job round trip around it ${metrics.profile_round_trip_ms.toFixed(1)} ms (insert, pick-up, unseal, write-back, NOTIFY, re-read)\n`,
  );
  if (metrics.rank_agreement_int8 !== undefined) {
    process.stdout.write(
      `int8 vs fp32: NDCG@8 ${metrics.rank_agreement_int8.toFixed(4)}, Spearman ${metrics.spearman_int8!.toFixed(4)}, same top 1 ${(100 * metrics.top1_agreement_int8!).toFixed(0)}%; ` +
        `scores move ${metrics.score_drift_mean_int8!.toFixed(4)} on average (max ${metrics.score_drift_max_int8!.toFixed(4)}) against a mean fp32 spread of ${metrics.score_spread_mean_fp32!.toFixed(3)} per query\n`,
    );
  }
  process.stdout.write(`throughput: ${perMinute.toFixed(0)} reranked queries/min (2 callers); skipped: ${skipped}; ORT threads: ${threads}\n`);
  process.stdout.write(`wrote ${writeBenchResult("rerank", metrics, { corpus: corpus.source, model: values["model-dir"] ? "model-dir" : "generated", int8_file: int8.precision === "int8" ? int8.file : null })}\n`);
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
}

// npm run bench:embed [-- --rows 100000] [--texts 512] [--queries 200]
// Server-side embeddings and filtered search, with a MiniLM-L6-shaped embedder (random
// weights: the real model's compute) on DL19-length passages (or the generated corpus):
//   - texts embedded per second by the worker (EMBEDDER_THREADS=2), text-only remember to
//     sealed, and the model alone in this process for comparison;
//   - text-only remember -> searchable, p50/p95 (one memory at a time);
//   - text-only search p95, the query embedded by the API, with rerank: false (embedding +
//     ANN + opening the hits; the cross-encoder has its own bench, bench:rerank);
//   - filtered search recall@8 and p95 on a tenant of `rows` chunks, tags on 1% and 10% of
//     them, against exact filtered ranking.
// memvault runs as `npm start` runs it (API and worker in their own processes); this
// process is only the client.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { writeTestModel } from "../scripts/testModels.ts";
import { readDbConfig } from "../src/config/dbConfig.ts";
import { labelHash } from "../src/crypto/blindIndex.ts";
import { hmacUser } from "../src/crypto/hmacUser.ts";
import { parseKeyring } from "../src/crypto/keyring.ts";
import { loadBiEncoder } from "../src/embed/biEncoder.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { startBenchStack } from "./support/benchStack.ts";
import { loadCorpus } from "./support/corpus.ts";
import { mean, percentile } from "./support/stats.ts";
import { vectorSource } from "./support/vectors.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    { rows: { type: "string", default: "100000" }, texts: { type: "string", default: "512" }, queries: { type: "string", default: "200" } },
    { rows: "1000", texts: "16", queries: "5" },
  ),
});
const ROWS = Number(values.rows);
const TEXTS = Number(values.texts);
const QUERIES = Number(values.queries);
const K = 8;
const DIMS = readDbConfig().EMBEDDING_DIM;
const log = (line: string) => process.stderr.write(`[bench:embed] ${line}\n`);

// Tags spread by a hash of the row number, not by position (the vectors' order is random anyway).
const mix = (n: number) => {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) % 1000;
};
const tagsFor = (_tenant: number, row: number) => {
  const r = mix(row);
  return [...(r < 10 ? ["one-percent"] : []), ...(r < 100 ? ["ten-percent"] : [])];
};

const corpus = loadCorpus({ queries: 43, passagesPerQuery: Math.ceil(TEXTS / 43) + 2 });
const passages = corpus.queries.flatMap((q) => q.passages).slice(0, TEXTS + 60);
const queries = corpus.queries.map((q) => q.query);
log(`corpus: ${corpus.source}; ${ROWS} seeded chunks; ${TEXTS} passages; ${QUERIES} queries per measurement`);

const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), "mvembed-"));
writeTestModel("minilm", modelDir);
const metrics: Record<string, number> = { rows: ROWS, texts: TEXTS, queries: QUERIES, k: K };

// The model alone, in this process, with 2 threads: the ceiling for the worker.
{
  const model = await loadBiEncoder({ modelDir, maxLength: 256, batchSize: 16, threads: 2, device: "cpu" });
  await model.embed(passages.slice(0, 16));
  const t0 = performance.now();
  for (let i = 0; i < 256; i += 16) await model.embed(passages.slice(i, i + 16));
  metrics.model_texts_per_s = 256 / ((performance.now() - t0) / 1000);
  await model.close();
  log(`the model alone: ${metrics.model_texts_per_s.toFixed(1)} texts/s (2 threads, batches of 16)`);
}

const stack = await startBenchStack({
  prefix: "mvbe-",
  tenants: 1,
  rows: ROWS,
  tagsFor,
  serverEnv: { EMBEDDER_MODEL_DIR: modelDir, EMBEDDER_THREADS: "2", RERANK_ENABLED: "false" },
  log,
});
const root = new pg.Client({ connectionString: stack.rootUrl });
try {
  await root.connect();
  const keyring = parseKeyring("bench", fs.readFileSync(stack.keyringFile, "utf8"));
  const gql = async (token: string, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${stack.server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
    if (body.errors) throw new Error(`GraphQL error ${body.errors[0]?.extensions?.code}`);
    return body.data;
  };

  // Loading 100k rows and building the index leave the checkpointer with gigabytes to write:
  // done now, so that the measurements below do not share the disk with it.
  await root.query("checkpoint");

  // 1. Worker throughput: TEXTS text-only memories in calls of 100, until all are sealed.
  const textSub = "bench-text-user";
  const textToken = await stack.mint(textSub);
  const textHash = hmacUser(keyring, textSub);
  const sealedOf = async () => (await root.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1", [textHash])).rows[0].n as number;
  const t0 = performance.now();
  for (let i = 0; i < TEXTS; i += 100) {
    await gql(textToken, "mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }", { inputs: passages.slice(i, Math.min(TEXTS, i + 100)).map((text) => ({ text })) });
  }
  for (let n = 0, shown = -1; n < TEXTS; n = await sealedOf()) {
    if (n !== shown) progress("worker embedding and sealing", (shown = n), TEXTS);
    await new Promise((r) => setTimeout(r, 200));
  }
  progress("worker embedding and sealing", TEXTS, TEXTS);
  metrics.embed_texts_per_s = TEXTS / ((performance.now() - t0) / 1000);

  // 2. Remember -> searchable, one text-only memory at a time.
  const toSearchable: number[] = [];
  for (let i = 0; i < 50; i++) {
    const start = performance.now();
    const [{ id }] = (await gql(textToken, "mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }", { inputs: [{ text: passages[TEXTS + i]! }] })).rememberMany;
    for (;;) {
      const m = (await gql(textToken, "query($id: String!) { memory(id: $id) { status } }", { id })).memory;
      if (m?.status === "sealed") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    toSearchable.push(performance.now() - start);
    progress("remember -> searchable", i + 1, 50);
  }
  metrics.remember_to_searchable_p50_ms = percentile(toSearchable, 50);
  metrics.remember_to_searchable_p95_ms = percentile(toSearchable, 95);

  // 3. Text-only searches: the API embeds each query within EMBED_QUERY_BUDGET_MS.
  await root.query("checkpoint");
  const SEARCH = "query($q: String, $e: [Float!], $f: MemoryFilter) { search(query: $q, embedding: $e, k: 8, filter: $f, rerank: false) { rerankSkipReason hits { memory { id } } } }";
  for (let i = 0; i < 10; i++) await gql(textToken, SEARCH, { q: queries[i % queries.length] });
  const textLatency: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const start = performance.now();
    await gql(textToken, SEARCH, { q: `${queries[i % queries.length]} ${i}` });
    textLatency.push(performance.now() - start);
    progress("text-only searches", i + 1, QUERIES);
  }
  metrics.text_search_p50_ms = percentile(textLatency, 50);
  metrics.text_search_p95_ms = percentile(textLatency, 95);

  // 4. Filtered search on the seeded tenant: queries from the same centroids as its rows.
  const bigHash = hmacUser(keyring, stack.subs[0]!);
  const queryVectors = vectorSource("clustered", DIMS, 11);
  for (let i = 0; i < ROWS; i++) queryVectors(); // past the seeded rows: new points, same topics
  const table: (string | number)[][] = [];
  for (const [label, key, tag] of [["1% tag", "", "one-percent"], ["10% tag", "_10pct", "ten-percent"], ["no filter", "_unfiltered", undefined]] as const) {
    const latencies: number[] = [];
    const recalls: number[] = [];
    const hash = tag ? labelHash(keyring.labelKey, bigHash, "tag", tag) : undefined;
    // The truth, as a superuser: exact ranking of the rows carrying the tag.
    const tagged = "($2::bytea is null or id in (select memory_id from memvault.memory_labels where user_hash = $1 and label_hash = $2::bytea))";
    const matching = (await root.query(`select count(*)::int as n from memvault.memory_chunks where user_hash = $1 and ${tagged}`, [bigHash, hash ?? null])).rows[0].n as number;
    for (let i = 0; i < QUERIES + 10; i++) {
      const v = Array.from(queryVectors());
      const start = performance.now();
      const hits = (await gql(stack.tokens[0]!, SEARCH, { e: v, f: tag ? { tagsAny: [tag] } : null })).search.hits as { memory: { id: string } }[];
      if (i < 10) continue; // warm-up
      latencies.push(performance.now() - start);
      const truth = await root.query<{ id: string }>(
        `select id::text from memvault.memory_chunks where user_hash = $1 and ${tagged}
         order by (embedding operator(public.<=>) $3::public.vector) + 0 limit $4`,
        [bigHash, hash ?? null, `[${v.join(",")}]`, K],
      );
      const want = new Set(truth.rows.map((r) => r.id));
      recalls.push(hits.filter((h) => want.has(h.memory.id)).length / Math.max(1, want.size));
      progress(`filtered search (${label})`, i - 9, QUERIES);
    }
    metrics[`filtered_recall_at_8${key}`] = mean(recalls);
    metrics[`filtered_search_p50_ms${key}`] = percentile(latencies, 50);
    metrics[`filtered_search_p95_ms${key}`] = percentile(latencies, 95);
    table.push([label, matching, mean(recalls), percentile(latencies, 50), percentile(latencies, 95)]);
  }

  printTable(["measurement", "value"], [
    ["model alone, texts/s (2 threads)", metrics.model_texts_per_s],
    ["worker: text-only remember -> sealed, texts/s", metrics.embed_texts_per_s],
    ["remember -> searchable p50 / p95 ms", `${metrics.remember_to_searchable_p50_ms.toFixed(1)} / ${metrics.remember_to_searchable_p95_ms.toFixed(1)}`],
    ["text-only search p50 / p95 ms", `${metrics.text_search_p50_ms.toFixed(1)} / ${metrics.text_search_p95_ms.toFixed(1)}`],
  ]);
  printTable(["filter", "matching rows", "recall@8", "p50 ms", "p95 ms"], table);
  process.stdout.write(`corpus: ${corpus.source}; targets: text_search_p95_ms < 50, filtered_recall_at_8 >= 0.95\n`);
  process.stdout.write(`wrote ${writeBenchResult("embed", metrics, { corpus: corpus.source })}\n`);
} finally {
  await root.end().catch(() => {});
  await stack.close();
  fs.rmSync(modelDir, { recursive: true, force: true });
}

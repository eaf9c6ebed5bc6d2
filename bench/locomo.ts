// npm run bench:locomo [-- --file conversations.json] [--memories 100000] [--conversations N]
// Finding the right memory, measured with no language model in the loop:
//  (a) LoCoMo: each conversation is a tenant, each turn a memory (through GraphQL, text
//      only, the server embeds); each question of categories 1-4 asked in keyword, vector,
//      hybrid and hybrid + rerank modes: evidence recall@1/5/10/20 per category and
//      overall, and the plaintext BM25 reference (same analyzer) on the same turns;
//  (b) DL19: each query's 100 passages one tenant; NDCG@10 and recall@10 of the keyword
//      leg and of the reference against the passages' given BM25 order;
//  (c) keyword search p95 in one tenant of --memories generated memories.
// The embedder is whatever is installed (EMBEDDER_* set, or a model in the default
// directory), else the development word-hash embedder; the result names it.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { readEmbedConfig, embedderConfigured } from "../src/config/embedConfig.ts";
import { readRerankConfig } from "../src/config/rerankConfig.ts";
import { startBenchStack } from "./support/benchStack.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { loadCorpus } from "./support/corpus.ts";
import { evaluateLocomo, KS, type IngestedConversation } from "./support/locomoEval.ts";
import { readConversations, sharedLocomoFile, type Conversation } from "./support/locomoData.ts";
import { memoryClient } from "./support/memoryClient.ts";
import { plantedConversation } from "./support/plantedConversation.ts";
import { referenceBm25 } from "./support/referenceBm25.ts";
import { mean, ndcgAt, recallAt } from "./support/retrievalMetrics.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { percentile } from "./support/stats.ts";
import { zipfText } from "./support/zipfText.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      file: { type: "string" },
      conversations: { type: "string", default: "0" },
      memories: { type: "string", default: "100000" },
      "keyword-queries": { type: "string", default: "300" },
      dl19: { type: "string", default: "43" },
    },
    { conversations: "1", memories: "2000", "keyword-queries": "20", dl19: "3" },
  ),
});
const log = (line: string) => process.stderr.write(`[bench:locomo] ${line}\n`);

/** The embedder memvault start will use: the configured one, an installed model, or the word-hash one. */
function embedderChoice(): { env: Record<string, string>; name: string } {
  const pass = Object.fromEntries(["EMBEDDER_MODEL_DIR", "EMBEDDER_URL", "EMBEDDER_WORDHASH"].filter((v) => process.env[v]).map((v) => [v, process.env[v]!]));
  if (embedderConfigured()) return { env: pass, name: pass.EMBEDDER_URL ? "remote (EMBEDDER_URL)" : pass.EMBEDDER_WORDHASH ? "word-hash (development)" : path.basename(pass.EMBEDDER_MODEL_DIR!) };
  const dir = readEmbedConfig().EMBEDDER_MODEL_DIR;
  if (fs.existsSync(path.join(dir, "onnx", "model.onnx"))) return { env: { EMBEDDER_MODEL_DIR: dir }, name: path.basename(dir) };
  return { env: { EMBEDDER_WORDHASH: "true" }, name: "word-hash (development: texts sharing words are close; not semantic)" };
}

/** An installed cross-encoder, else the stack's generated test model (random weights: its reranking means nothing). */
function rerankerChoice(): { env: Record<string, string>; name: string } {
  const dir = readRerankConfig().RERANK_MODEL_DIR;
  if (process.env.RERANK_MODEL_DIR || fs.existsSync(path.join(dir, "onnx", "model.onnx")) || fs.existsSync(path.join(dir, "model.onnx"))) return { env: { RERANK_MODEL_DIR: dir }, name: path.basename(dir) };
  return { env: {}, name: "generated test model (random weights: hybrid_rerank says nothing about a real cross-encoder)" };
}

function conversationsToRun(): { list: Conversation[]; source: string } {
  const file = values.file ?? sharedLocomoFile();
  const all = file ? readConversations(file) : [plantedConversation()];
  const n = Number(values.conversations);
  return { list: n > 0 ? all.slice(0, n) : all, source: file ? path.basename(file) : "generated (planted facts; not LoCoMo)" };
}

const MEMORIES = Number(values.memories);
const conversations = conversationsToRun();
const dl19 = loadCorpus({ queries: Number(values.dl19) });
const embedder = embedderChoice();
const reranker = rerankerChoice();
log(`conversations: ${conversations.source}, ${conversations.list.length}; DL19: ${dl19.source}, ${dl19.queries.length} queries; embedder: ${embedder.name}; reranker: ${reranker.name}`);
log(`seeding one tenant with ${MEMORIES} generated memories (keyword index written as the worker writes it)`);
const stack = await startBenchStack({
  prefix: "mvl-",
  tenants: 1,
  rows: MEMORIES,
  textFor: (_, row) => zipfText(row),
  keywordTerms: true,
  serverEnv: { ...embedder.env, ...reranker.env, RATE_LIMIT_WRITES_PER_MINUTE: "0", RATE_LIMIT_SEARCHES_PER_MINUTE: "0", RATE_LIMIT_RERANKS_PER_MINUTE: "0", RATE_LIMIT_READS_PER_MINUTE: "0" },
  log,
});

try {
  const root = new pg.Client({ connectionString: stack.rootUrl });
  await root.connect();
  const pending = async () => Number((await root.query("select count(*) as n from memvault.chunk_ingest")).rows[0].n);

  log("remembering every turn and passage through GraphQL (text only: the server embeds)");
  const ingested: IngestedConversation[] = [];
  for (const conversation of conversations.list) {
    const client = memoryClient(stack.server.url, await stack.mint(`locomo-${conversation.id}`));
    const ids = await client.rememberAll(conversation.turns.map((t) => ({ text: t.text, occurredAt: t.occurredAt, meta: { turn: t.diaId } })));
    ingested.push({ conversation, client, turnOf: new Map(ids.map((id, i) => [id, conversation.turns[i]!.diaId])) });
  }
  const dl19Tenants = [];
  for (const [i, q] of dl19.queries.entries()) {
    const client = memoryClient(stack.server.url, await stack.mint(`dl19-${i}`));
    const ids = await client.rememberAll(q.passages.map((text, rank) => ({ text, meta: { rank: rank + 1 } })));
    dl19Tenants.push({ query: q, client, rankOf: new Map(ids.map((id, rank) => [id, rank + 1])) });
  }
  const queued = await pending();
  for (let left = queued; left > 0; left = await pending()) {
    progress("sealing (embedding, terms)", queued - left, queued);
    await new Promise((r) => setTimeout(r, 500)); // polling the worker's progress, not timing anything
  }
  progress("sealing (embedding, terms)", queued, queued);
  await root.query("vacuum analyze memvault.memory_terms");

  const metrics: Record<string, number> = await evaluateLocomo(ingested, log);

  // (b) DL19: relevance from the given BM25 order, top 10, gain 10 (first) down to 1.
  const ndcg = { keyword: [] as number[], reference: [] as number[] };
  const recall10 = { keyword: [] as number[], reference: [] as number[] };
  for (const t of dl19Tenants) {
    const gain = new Map([...Array(10).keys()].map((r) => [String(r + 1), 10 - r]));
    const given = [...gain.keys()];
    const ours = (await t.client.search(t.query.query, "KEYWORD", 10)).ids.map((id) => String(t.rankOf.get(id)));
    const ref = referenceBm25(t.query.passages.map((text, r) => ({ id: String(r + 1), text }))).search(t.query.query, 10).map((h) => h.id);
    ndcg.keyword.push(ndcgAt(ours, gain, 10));
    ndcg.reference.push(ndcgAt(ref, gain, 10));
    recall10.keyword.push(recallAt(ours, given, 10));
    recall10.reference.push(recallAt(ref, given, 10));
  }
  Object.assign(metrics, {
    dl19_keyword_ndcg_at_10: mean(ndcg.keyword),
    dl19_reference_ndcg_at_10: mean(ndcg.reference),
    dl19_keyword_recall_at_10: mean(recall10.keyword),
    dl19_reference_recall_at_10: mean(recall10.reference),
  });

  // (c) keyword search in the large tenant: queries of 2-5 words from the same distribution.
  const big = memoryClient(stack.server.url, stack.tokens[0]!);
  const times: number[] = [];
  const n = Number(values["keyword-queries"]);
  for (let i = 0; i < n; i++) {
    times.push((await big.search(zipfText(1_000_000 + i, 2 + (i % 4)), "KEYWORD", 10)).ms);
    progress(`keyword searches in the ${MEMORIES}-memory tenant`, i + 1, n);
  }
  metrics.keyword_search_p50_ms_100k = percentile(times, 50);
  metrics.keyword_search_p95_ms_100k = percentile(times, 95);
  metrics.memories_100k = MEMORIES;
  // The comparisons as numbers of this run, so bench:check can gate them anywhere.
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  metrics.keyword_vs_reference_recall_at_10 = ratio(metrics.keyword_recall_at_10!, metrics.reference_bm25_recall_at_10!);
  metrics.hybrid_vs_best_leg_recall_at_10 = ratio(metrics.hybrid_recall_at_10!, Math.max(metrics.keyword_recall_at_10!, metrics.vector_recall_at_10!));
  metrics.hybrid_vs_reference_recall_at_10 = ratio(metrics.hybrid_recall_at_10!, metrics.reference_bm25_recall_at_10!);
  metrics.dl19_keyword_vs_reference_ndcg_at_10 = ratio(metrics.dl19_keyword_ndcg_at_10!, metrics.dl19_reference_ndcg_at_10!);
  await root.end();

  printTable(
    ["system", ...KS.map((k) => `recall@${k}`), "p95 ms"],
    ["keyword", "vector", "hybrid", "hybrid_rerank", "reference_bm25"].map((s) => [s, ...KS.map((k) => metrics[`${s}_recall_at_${k}`]!), metrics[`${s}_search_p95_ms`] ?? "-"]),
  );
  printTable(["DL19 (vs given BM25 order)", "NDCG@10", "recall@10"], [
    ["keyword leg", metrics.dl19_keyword_ndcg_at_10!, metrics.dl19_keyword_recall_at_10!],
    ["reference", metrics.dl19_reference_ndcg_at_10!, metrics.dl19_reference_recall_at_10!],
  ]);
  printTable([`keyword search, one tenant of ${MEMORIES}`, "p50 ms", "p95 ms"], [["GraphQL round trip", metrics.keyword_search_p50_ms_100k!, metrics.keyword_search_p95_ms_100k!]]);
  log(`wrote ${writeBenchResult("locomo", metrics, { corpus: conversations.source, dl19: dl19.source, embedder: embedder.name, reranker: reranker.name })}`);
} finally {
  await stack.close();
}

// What each bench measures, in words, and the tables its result gets in docs/benchmarks.md.
// Sizes in the prose come from the result itself (its metrics say what ran), so no figure
// here is typed by hand.
import { checkMetric } from "../../bench/support/checkResults.ts";
import { RULES } from "../../bench/rules.ts";
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { formatNumber, table, type BenchResult } from "./benchmarksReference.ts";

export interface BenchPage {
  result: string;
  title: string;
  command: string;
  about: string;
  tables?: (r: BenchResult) => string[];
}

const n = (r: BenchResult, key: string) => (r.metrics[key] === undefined ? "?" : formatNumber(r.metrics[key]!));

/** The gated metrics: now, the committed baseline, the gate, and bench:check's verdict. */
function gated(r: BenchResult): string {
  const rules = RULES[r.bench] ?? {};
  const baselineFile = path.join(PROJECT_ROOT, "bench", "baselines", `${r.bench}.json`);
  const baseline = fs.existsSync(baselineFile) ? (JSON.parse(fs.readFileSync(baselineFile, "utf8")) as BenchResult).metrics : {};
  const rows = Object.entries(rules).map(([metric, rule]) => {
    const row = checkMetric(r.bench, metric, rule, baseline[metric], r.metrics[metric]);
    return [`\`${metric}\``, row.now ?? "missing", row.baseline ?? "", rule.gate?.label ?? "", row.verdict];
  });
  return rows.length ? table(["gated metric", "now", "baseline", "gate", "bench:check"], rows) : "";
}

/** Per-size rows for metrics named <prefix><size> (ann, citus: tenant shares such as 0_1pct). */
function bySize(r: BenchResult, columns: [string, string][]): string {
  const sizes = Object.keys(r.metrics).flatMap((k) => (k.startsWith("recall_at_8_") && /\dpct$/.test(k) && !k.startsWith("recall_at_8_min") ? [k.slice("recall_at_8_".length)] : []));
  return table(["tenant share", ...columns.map(([label]) => label)], sizes.map((s) => [s.replace("_", ".").replace("pct", "%"), ...columns.map(([, prefix]) => r.metrics[`${prefix}${s}`] ?? "")]));
}

const bySizeAndKind = (r: BenchResult, kinds: string[], sizes: string[], metric: (kind: string, size: string) => string, label: string) =>
  table([label, ...kinds], sizes.map((s) => [s, ...kinds.map((k) => r.metrics[metric(k, s)] ?? "")]));

export const BENCH_PAGES: readonly BenchPage[] = [
  {
    result: "crypto",
    title: "Sealing (AES-256-GCM)",
    command: "npm run bench:crypto",
    about: "seals and opens values of three sizes on one core, with the AAD memvault binds (tenant, row, field).",
    tables: (r) => [bySizeAndKind(r, ["seal ops/s", "seal p95 ms", "open ops/s", "open p95 ms"], ["64b", "1k", "16k"], (k, s) => ({ "seal ops/s": `seal_ops_per_s_${s}`, "seal p95 ms": `seal_p95_ms_${s}`, "open ops/s": `open_ops_per_s_${s}`, "open p95 ms": `open_p95_ms_${s}` })[k]!, "value size"), gated(r)],
  },
  {
    result: "keys",
    title: "Per-tenant keys and erasure",
    command: "npm run bench:keys",
    about:
      "seals and opens 1 KiB on one core with 1,000 tenants' data keys warm; a cold tenant's first transaction with its keys unwrapped on a SoftHSM2 token; the erasure of a tenant of 100k keyword-indexed memories (until nothing of it is readable, the purge by a worker process, and 20 other tenants' searches from a load generator of its own before and during that purge); and a KEK rotation over 100k tenants' keys on the token.",
    tables: (r) => [
      table(["measure", "value"], [
        ["seal 1 KiB, 1k tenants' keys warm (ops/s, one core)", r.metrics.seal_ops_per_s_1k_dek ?? ""],
        ["open 1 KiB, 1k tenants' keys warm (ops/s, one core)", r.metrics.open_ops_per_s_1k_dek ?? ""],
        ["a cold tenant's first transaction, keys unwrapped on SoftHSM2 (p95 ms)", r.metrics.cold_tenant_p95_ms_softhsm ?? ""],
        ["erasure of 100k memories: unreadable after (ms)", r.metrics.erase_unreadable_ms ?? ""],
        ["erasure of 100k memories: purged after (s)", r.metrics.erase_purge_s ?? ""],
        ["other tenants' search p95 during the purge / before", r.metrics.other_tenant_search_p95_ratio_during_purge ?? ""],
        ["KEK rotation, 100k tenants (s)", r.metrics.kek_rotate_100k_tenants_s ?? ""],
        ["memory rows rewritten by the rotation", r.metrics.kek_rotate_memory_rows_rewritten ?? ""],
      ]),
      gated(r),
    ],
  },
  {
    result: "ingest",
    title: "Ingest: sealed end to end",
    command: "npm run bench:ingest",
    about:
      "rows of passages with random vectors bulk-inserted into `chunk_ingest` on a throwaway cluster and sealed by an in-process worker with its defaults, until all are sealed; against plain SQL inserts of the same rows into an identical table and index from one backend; and once more without the ANN index (the pipeline's own cost). Single-row inserts give the add-to-start job latency.",
    tables: (r) => [
      table(["measure", "value"], [
        ["sealed end to end, HNSW present (rows/s)", r.metrics.rows_per_s_hnsw ?? ""],
        ["plain SQL inserts, same index, one backend (rows/s)", r.metrics.rows_per_s_plain_sql_hnsw ?? ""],
        ["ratio of the two", r.metrics.overhead_ratio ?? ""],
        ["sealed end to end, no ANN index (rows/s)", r.metrics.rows_per_s_noindex ?? ""],
        ["HNSW present, keyword index off (rows/s)", r.metrics.rows_per_s_hnsw_no_terms ?? ""],
        ["keyword terms' cost: with / without, HNSW present", r.metrics.terms_overhead_ratio ?? ""],
        ["keyword terms' cost: with / without, no ANN index", r.metrics.terms_overhead_ratio_noindex ?? ""],
        ["add-to-start job latency p50 / p95 (ms)", `${n(r, "job_latency_p50_ms")} / ${n(r, "job_latency_p95_ms")}`],
      ]),
      gated(r),
    ],
  },
  {
    result: "rerank",
    title: "Reranking: the cross-encoder",
    command: "npm run bench:rerank",
    about:
      "a TinyBERT-L-2-shaped cross-encoder (generated weights, the real model's compute) and its int8 export score each query's candidates, fp32 and int8 taking turns; then end to end through the worker (request, job, write-back, NOTIFY, re-read). `-- --model-dir DIR` runs it on a real model: the way to check int8's agreement on the weights you deploy.",
    tables: (r) => [
      table(["measure", "p50 ms", "p95 ms"], [
        [`scorer fp32, ${n(r, "candidates")} pairs`, r.metrics.scorer_p50_ms ?? "", r.metrics.scorer_p95_ms ?? ""],
        [`scorer int8, ${n(r, "candidates")} pairs`, r.metrics.scorer_p50_ms_int8 ?? "", r.metrics.scorer_p95_ms_int8 ?? ""],
        ["end to end (request insert to caller's re-read)", r.metrics.e2e_p50_ms ?? "", r.metrics.e2e_p95_ms ?? ""],
      ]),
      table(["int8 against fp32", "value"], [
        ["rank agreement (NDCG@8 with fp32 scores as relevance)", r.metrics.rank_agreement_int8 ?? ""],
        ["Spearman over all candidates", r.metrics.spearman_int8 ?? ""],
        ["same top 1", r.metrics.top1_agreement_int8 ?? ""],
        ["mean score drift / fp32 score spread", `${n(r, "score_drift_mean_int8")} / ${n(r, "score_spread_mean_fp32")}`],
      ]),
      gated(r),
    ],
  },
  {
    result: "ann",
    title: "ANN search by tenant size",
    command: "npm run bench:ann",
    about:
      "chunks of clustered, embedding-like vectors on a throwaway cluster, tenants holding from a tenth of a percent to half of the rows, recall@8 against exact search and `search_chunks` latency per tenant size. `-- --sweep 'rule|hnsw.ef_search=120|memvault.exact_search_max_rows=2000'` compares settings on the same queries: how the search rule was chosen, and how to check it on other data.",
    tables: (r) => [`${n(r, "rows")} rows of ${n(r, "dims")} dimensions, ${n(r, "queries_per_size")} queries per size, HNSW build ${n(r, "index_build_s")} s.`, bySize(r, [["recall@8", "recall_at_8_"], ["p50 ms", "search_p50_ms_"], ["p95 ms", "search_p95_ms_"], ["p99 ms", "search_p99_ms_"]]), gated(r)],
  },
  {
    result: "ann-uniform",
    title: "ANN search on uniform random vectors",
    command: "npm run bench:ann -- --shape uniform",
    about:
      "the same on i.i.d. random vectors, HNSW's worst case: independent random dimensions give a graph no neighbourhood to follow. Tenants ranked exactly keep full recall; the HNSW path does not. Real embeddings are clustered; a caller that needs more recall on hard data sets a higher `hnsw.ef_search` for its transaction, which `search_chunks` honours as a floor.",
    tables: (r) => [bySize(r, [["recall@8", "recall_at_8_"], ["p50 ms", "search_p50_ms_"], ["p95 ms", "search_p95_ms_"]])],
  },
  {
    result: "api",
    title: "The API under load",
    command: "npm run bench:api",
    about:
      "sealed tenants, memvault as `npm start` runs it (the API, the worker in its own process) in a child process, and the load generator (closed loops over keep-alive HTTP) in another, so client and server never share an event loop. Searches at 1, 10 and 50 connections, searches with a query (reranked), remembers, and progressive search over SSE. Shed requests (`OVERLOADED`) are counted apart from errors.",
    tables: (r) => [
      `${n(r, "tenants")} tenants of ${n(r, "rows_per_tenant")} sealed memories each.`,
      table(["load", "p50 ms", "p95 ms", "req/s"], [
        ["ANN search, 1 connection", r.metrics.search_p50_ms_c1 ?? "", r.metrics.search_p95_ms_c1 ?? "", r.metrics.search_rps_c1 ?? ""],
        ["ANN search, 10 connections", "", r.metrics.search_p95_ms_c10 ?? "", r.metrics.search_rps_c10 ?? ""],
        ["ANN search, 50 connections", "", r.metrics.search_p95_ms_c50 ?? "", r.metrics.search_rps_c50 ?? ""],
        ["search with a query (reranked)", r.metrics.search_rerank_p50_ms ?? "", r.metrics.search_rerank_p95_ms ?? "", ""],
        ["remember", "", "", r.metrics.remember_per_s ?? ""],
        ["progressive search over SSE: first (ANN) event", r.metrics.ttfv_p50_ms ?? "", r.metrics.ttfv_p95_ms ?? "", ""],
        ["the same: the reranked event", "", r.metrics.progressive_final_p95_ms ?? "", ""],
      ]),
      gated(r),
    ],
  },
  {
    result: "locomo",
    title: "Retrieval quality: LoCoMo and DL19",
    command: "npm run bench:locomo",
    about:
      "LoCoMo (Maharana et al., ACL 2024; CC BY-NC, read from MEMVAULT_SHARED_DIR, never shipped): each conversation one tenant, each turn one memory remembered through GraphQL as a client would (text only, the server embeds, occurredAt from the session's date); each question of categories 1-4 (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop) asked as that tenant in each mode, with k = 20; evidence recall@k is the share of its evidence turns among the first k. The plaintext reference is wink-bm25-text-search with memvault's analyzer on the same turns. DL19: each of the TREC DL19 queries' 100 BM25 passages one tenant; NDCG@10 and recall@10 against the given BM25 order (its top 10 relevant, gain 10 down to 1). Then keyword searches of 2-5 words in one tenant of generated memories (Zipf-distributed words). Latencies are GraphQL round trips from one client. Without a LoCoMo file the bench runs on a generated conversation with planted facts and says so; `--file` takes any LoCoMo-shaped file.",
    tables: (r) => [
      table(["LoCoMo recall (all / cat 1 / 2 / 3 / 4)", "@1", "@5", "@10", "@20"], ["keyword", "vector", "hybrid", "hybrid_rerank", "reference_bm25"].map((s) => [
        s,
        ...[1, 5, 10, 20].map((k) => [``, "_cat1", "_cat2", "_cat3", "_cat4"].map((c) => n(r, `${s}_recall_at_${k}${c}`)).join(" / ")),
      ])),
      table(["search latency, GraphQL round trip", "p50 ms", "p95 ms"], [
        ...["keyword", "vector", "hybrid", "hybrid_rerank"].map((s) => [`${s} (LoCoMo tenants)`, n(r, `${s}_search_p50_ms`), n(r, `${s}_search_p95_ms`)]),
        [`keyword, one tenant of ${n(r, "memories_100k")} memories`, n(r, "keyword_search_p50_ms_100k"), n(r, "keyword_search_p95_ms_100k")],
      ]),
      table(["DL19 against the given BM25 order", "NDCG@10", "recall@10"], [
        ["keyword leg", n(r, "dl19_keyword_ndcg_at_10"), n(r, "dl19_keyword_recall_at_10")],
        ["plaintext reference", n(r, "dl19_reference_ndcg_at_10"), n(r, "dl19_reference_recall_at_10")],
      ]),
      `Corpus: ${String(r.corpus)}; DL19: ${String(r.dl19)}; embedder: ${String(r.embedder)}; reranker: ${String(r.reranker)}.`,
      gated(r),
    ],
  },
  {
    result: "embed",
    title: "Server-side embeddings and filtered search",
    command: "npm run bench:embed",
    about:
      "a MiniLM-L6-shaped embedder (random weights, the real model's compute) on passage-length texts, memvault as `npm start` runs it, the bench a client over HTTP: the model alone, text-only memories until sealed, one remember until searchable, text-only searches, and on a large tenant searches filtered by a tag on a small and on a large share of its memories.",
    tables: (r) => [gated(r)],
  },
  {
    result: "guardrails",
    title: "Guardrails: the API beside its assistant",
    command: "npm run bench:guardrails",
    about:
      "first the ratio of ANN search through the API to the same work done directly (the tenant transaction, `search_chunks`, the fetch, opening each hit) at the same concurrency, the two sides alternating; then phase 1, an open-loop mix (search, progressive search over SSE, remember, pages, forget, `/healthz` probes) at a rate the server serves whole; then phase 2, overload, which must be shed with a code and never fail. Metrics ending `_overload` are phase 2's.",
    tables: (r) => [gated(r)],
  },
  {
    result: "canary",
    title: "Canary rollouts",
    command: "npm run bench:canary",
    about:
      "rerank searches from the load generator's own process while a rollout runs: *slow*, a treatment that answers past the budget (a TEI-protocol server in another process), which must be rolled back automatically within the failure limit; *healthy*, a copy of the model, stepped up and promoted. No search may fail, and none created after a rollback may be served by the treatment.",
    tables: (r) => [gated(r)],
  },
  {
    result: "rollback",
    title: "Rollback",
    command: "npm run bench:rollback",
    about:
      "sealed memories in a durable throwaway cluster (fsync and full-page writes on, as in production), then the real commands, each timed from outside with its verification: `deploy backup`, `deploy rollback` (the reverse migration), `deploy apply`, `deploy rollback --from-backup`. Every row's md5 is compared before and after each rollback, and memories are opened with the keyring after each.",
    tables: (r) => [gated(r)],
  },
  {
    result: "citus",
    title: "Scale-out (Citus)",
    command: "npm run bench:citus",
    about:
      "the same clustered vectors loaded into one PostgreSQL and into a Citus cluster (a coordinator and worker nodes), tenants of several sizes searched through the application's own tenant transaction, recall@8 against exact ranking; then memories remembered over many tenants and sealed by the worker. All servers share this machine's cores: the comparison shows what the coordinator adds, not a speed-up.",
    tables: (r) => [
      `${n(r, "rows")} rows, ${n(r, "shards")} shards on ${n(r, "worker_nodes")} worker nodes.`,
      bySize(r, [["Citus recall@8", "recall_at_8_"], ["Citus p95 ms", "search_p95_ms_"], ["one node recall@8", "single_node_recall_at_8_"], ["one node p95 ms", "single_node_search_p95_ms_"]]),
    ],
  },
];

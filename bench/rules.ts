// One declaration per bench metric: which way is better, how far from the committed
// baseline it may move before bench:check calls it a regression (a ratio, wider than the
// noise measured on the reference machine: docs/benchmarks.md), and the absolute gate it
// must meet wherever it runs. Metrics not declared here are reported, never gated.
export interface Gate {
  label: string;
  check(value: number): boolean;
}

export interface MetricRule {
  better: "lower" | "higher";
  /** now/baseline (lower is better) or baseline/now (higher is better) may be up to this. */
  tolerance: number;
  gate?: Gate;
}

const below = (x: number): Gate => ({ label: `< ${x}`, check: (v) => v < x });
const atMost = (x: number): Gate => ({ label: `<= ${x}`, check: (v) => v <= x });
const atLeast = (x: number): Gate => ({ label: `>= ${x}`, check: (v) => v >= x });
const above = (x: number): Gate => ({ label: `> ${x}`, check: (v) => v > x });
const zero: Gate = { label: "= 0", check: (v) => v === 0 };

const lower = (tolerance: number, gate?: Gate): MetricRule => ({ better: "lower", tolerance, ...(gate ? { gate } : {}) });
const higher = (tolerance: number, gate?: Gate): MetricRule => ({ better: "higher", tolerance, ...(gate ? { gate } : {}) });

// Tolerances come from three runs of each bench on the reference machine (docs/benchmarks.md): throughput moved up to 1.35x between runs, sub-millisecond p95s up to 5x
// (so they are not gated), rerank scorer p95 up to 3.4x when anything else ran beside it.
// Gates are the targets the issues set; where this machine's noise crosses an issue's
// stretch target, the gate is the floor ("the seed"), and the table says so.
export const RULES: Record<string, Record<string, MetricRule>> = {
  keys: {
    seal_ops_per_s_1k_dek: higher(1.6, atLeast(50_000)),
    open_ops_per_s_1k_dek: higher(1.6, atLeast(50_000)),
    cold_tenant_p95_ms_softhsm: lower(3),
    erase_unreadable_ms: lower(3, below(1_000)),
    erase_purge_s: lower(3),
    other_tenant_search_p95_ratio_during_purge: lower(1.5, atMost(1.5)),
    kek_rotate_100k_tenants_s: lower(2, below(60)),
    kek_rotate_memory_rows_rewritten: lower(1, zero),
  },
  crypto: {
    seal_ops_per_s_1k: higher(1.6, atLeast(5_000)),
    open_ops_per_s_1k: higher(1.6, atLeast(5_000)),
    seal_ops_per_s_16k: higher(1.6),
    open_ops_per_s_16k: higher(1.6),
    seal_p95_ms_1k: lower(10, below(1)),
    open_p95_ms_1k: lower(10, below(1)),
  },
  ingest: {
    rows_per_s_hnsw: higher(1.6),
    overhead_ratio: higher(1.6, atLeast(0.8)),
    terms_overhead_ratio: higher(1.3, atLeast(0.8)),
    // The pipeline's own cost as the ingest issue set it: seal and move, no ANN index, and (since
    // keyword search) no keyword index either, whose cost terms_overhead_ratio gates.
    rows_per_s_noindex: higher(2),
    rows_per_s_noindex_no_terms: higher(2, atLeast(2_000)),
    job_latency_p50_ms: lower(4, below(10)),
  },
  rerank: {
    scorer_p50_ms: lower(2, below(50)),
    scorer_p95_ms: lower(4, below(150)),
    scorer_p99_ms: lower(4, below(250)),
    // Issue 15: the int8 export near the CPU's limit, ranking as fp32 does.
    scorer_p50_ms_int8: lower(2),
    scorer_p95_ms_int8: lower(4, below(25)),
    rank_agreement_int8: higher(1.02, atLeast(0.99)),
    e2e_p95_ms: lower(2.5, below(120)),
    queries_per_min: higher(1.6, atLeast(600)),
    skipped: lower(1, zero),
  },
  ann: {
    // Issue 15: recall@8 >= 0.99 for every tenant size, p95 < 10 ms.
    recall_at_8_min: higher(1.02, atLeast(0.99)),
    recall_at_8_10pct: higher(1.05),
    search_p95_ms_max: lower(2.5, below(10)),
    index_build_s: lower(1.6),
  },
  "ann-uniform": {
    recall_at_8_1pct: higher(1.05),
    search_p95_ms_max: lower(2.5),
  },
  api: {
    search_p95_ms_c1: lower(3),
    // Issue 6 set p95 < 50 ms at 10 connections; on 10k-row tenants this machine's
    // PostgreSQL (filtered HNSW) is the bottleneck there: tracked against the baseline only.
    search_p95_ms_c10: lower(3),
    search_rps_c10: higher(1.6),
    search_p95_ms_c50: lower(3),
    ttfv_p95_ms: lower(3, below(100)),
    search_rerank_p95_ms: lower(3, below(200)),
    auth_p95_ms: lower(10, below(5)),
    remember_per_s: higher(1.6),
    errors: lower(1, zero),
  },
  guardrails: {
    api_vs_sql_ratio: higher(1.7, atLeast(0.6)),
    ttfv_p95_ms: lower(3, below(150)),
    sse_success_rate: higher(1.001, atLeast(0.999)),
    auth_p95_ms: lower(3, below(5)),
    db_pool_util_max: lower(1.5, atMost(0.8)),
    db_pool_util_p95: lower(2, atMost(0.8)),
    db_pool_samples_per_s: higher(1.5, atLeast(20)),
    rerank_p95_ms: lower(3, below(150)),
    error_rate: lower(1, zero),
    // Nothing is shed at 100 req/s, well under capacity.
    shed_rate: lower(1, zero),
    search_p95_ms: lower(3),
    shed_rate_overload: higher(100, above(0)),
    auth_p95_ms_overload: lower(3, below(50)),
    db_pool_util_max_overload: lower(1.5, atMost(0.8)),
    healthz_p95_ms_overload: lower(5),
    error_rate_overload: lower(1, zero),
  },
  // With the bench's defaults (interval 5 s, failure limit 2) the target for the
  // rollback is (failure limit + 1) intervals: 15 s.
  canary: {
    rollback_after_s: lower(1.3, atMost(15)),
    treatment_searches_after_rollback: lower(1, zero),
    searches_failed: lower(1, zero),
    promote_after_s: lower(1.3),
  },
  // The memory API issue's targets: text-only search p95 (query embedding included) < 50 ms,
  // filtered recall@8 (1% of 100k rows tagged) >= 0.95.
  // Issue 26: the keyword leg loses nothing against plaintext BM25 (ratios of this run's own
  // numbers, so the gate holds on any machine), hybrid is at least its better leg, and the
  // latency targets on the LoCoMo tenants and in one tenant of 100k memories.
  locomo: {
    keyword_recall_at_10: higher(1.05),
    hybrid_recall_at_10: higher(1.05),
    keyword_vs_reference_recall_at_10: higher(1.02, atLeast(0.99)),
    hybrid_vs_best_leg_recall_at_10: higher(1.05, atLeast(1)),
    hybrid_vs_reference_recall_at_10: higher(1.05, atLeast(1)),
    dl19_keyword_vs_reference_ndcg_at_10: higher(1.02, atLeast(0.99)),
    keyword_search_p95_ms: lower(3, below(20)),
    hybrid_search_p95_ms: lower(3, below(30)),
    keyword_search_p95_ms_100k: lower(3, below(50)),
  },
  embed: {
    text_search_p95_ms: lower(2, below(50)),
    filtered_recall_at_8: higher(1.05, atLeast(0.95)),
    filtered_search_p95_ms: lower(3),
    remember_to_searchable_p95_ms: lower(3),
    embed_texts_per_s: higher(1.6),
  },
  rollback: {
    rollback_reverse_s: lower(2, below(60)),
    rollback_restore_s: lower(1.6, below(300)),
    rows_lost: lower(1, zero),
    backup_s: lower(2),
  },
};

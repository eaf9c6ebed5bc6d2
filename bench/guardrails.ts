// npm run bench:guardrails: memvault under an assistant's guardrails, as `npm start` runs it
// (API and worker), loaded over HTTP from separate processes.
//   ratio    ANN search through the API at 10 connections / the same work in SQL from Node,
//            interleaved in 3 rounds of 5 s each way
//   phase 1  open loop, 100 req/s for 60 s: 55 % search, 5 % progressive search over SSE,
//            25 % remember, 10 % memories pages, 5 % forget; /healthz probed beside it
//   phase 2  open loop, 600 req/s for 30 s: overload (shed at the door, never fail); 300 req/s
//            was overload until a burst stopped being shed after admission, and is now served
// Each phase reports the p99 of the memory requests served and the requests shed.
// 50 tenants x 1,000 sealed chunks (384-dim, clustered), the TinyBERT-L-2-shaped model.
// Writes bench/results/guardrails.json; targets are gated by npm run bench:check.
import { parseArgs } from "node:util";
import { readDbConfig } from "../src/config/dbConfig.ts";
import { printTable, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import type { LoadPlan, Outcome } from "./support/loadgen.ts";
import { buckets, count, delta, maxObserved, quantile, quantileBound, scrape, type Samples } from "./support/promScrape.ts";
import { runLoad } from "./support/runLoad.ts";
import { startBenchStack } from "./support/benchStack.ts";
import { percentile } from "./support/stats.ts";
import { RULES } from "./rules.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      tenants: { type: "string", default: "50" },
      rows: { type: "string", default: "1000" },
      "steady-seconds": { type: "string", default: "60" },
      "overload-seconds": { type: "string", default: "30" },
      "ratio-seconds": { type: "string", default: "15" },
      "overload-rps": { type: "string", default: "600" },
    },
    { tenants: "4", rows: "50", "steady-seconds": "3", "overload-seconds": "3", "ratio-seconds": "2" },
  ),
});
const TENANTS = Number(values.tenants);
const OVERLOAD_RPS = Number(values["overload-rps"]);
const ROWS = Number(values.rows);
const DIMS = readDbConfig().EMBEDDING_DIM;
const log = (line: string) => process.stderr.write(`[bench:guardrails] ${line}\n`);
const MIX = { search: 0.55, progressive: 0.05, remember: 0.25, page: 0.1, forget: 0.05 };

const stack = await startBenchStack({ prefix: "mvg-", tenants: TENANTS, rows: ROWS, log });
const { server, subs, tokens, keyringFile } = stack;

try {
  const apiMetrics = server.metricsUrl;
  const base: Omit<LoadPlan, "mode"> = { url: server.url, tokens, dims: DIMS, timeoutMs: 10_000 };

  // Warm-up (JIT, caches, the worker's model), not measured.
  log("warm-up: 10 s at 50 req/s");
  await runLoad("loadgen.ts", { ...base, mode: "open", phases: [{ name: "warmup", rps: 50, seconds: 10 }], mix: MIX });

  // The ratio: the same ANN search through the API and directly, each at 10 connections,
  // interleaved in rounds so that a slow spell of this shared machine falls on both sides.
  const ratioSeconds = Number(values["ratio-seconds"]);
  const rounds = 3;
  const roundSeconds = ratioSeconds / rounds;
  log(`API vs SQL: ANN search at 10 connections, ${rounds} rounds of ${roundSeconds} s each way`);
  const apiOk: Outcome[] = [];
  const sqlLatencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const api = await runLoad<{ outcomes: Outcome[] }>("loadgen.ts", { ...base, mode: "closed", connections: 10, seconds: roundSeconds });
    apiOk.push(...api.outcomes.filter((o) => o.outcome === "ok"));
    const sql = await runLoad<{ latencies: number[] }>("sqlLoad.ts", {
      authenticatorUrl: stack.authenticatorUrl,
      keyringFile,
      subs,
      dims: DIMS,
      connections: 10,
      seconds: roundSeconds,
    });
    sqlLatencies.push(...sql.latencies);
  }
  const apiRps = apiOk.length / ratioSeconds;
  const sqlRps = sqlLatencies.length / ratioSeconds;
  log(`API ${apiRps.toFixed(0)} req/s (p50 ${percentile(apiOk.map((o) => o.ms), 50).toFixed(1)} ms), SQL ${sqlRps.toFixed(0)} req/s (p50 ${percentile(sqlLatencies, 50).toFixed(1)} ms)`);

  // Phases 1 and 2, with the server's metrics scraped every second and at each boundary.
  const steadySeconds = Number(values["steady-seconds"]);
  const overloadSeconds = Number(values["overload-seconds"]);
  const boundaries = new Map<string, { api: Samples; worker: Samples }>();
  const series: { t: number; api: Samples }[] = [];
  const t0 = Date.now();
  const ticker = setInterval(() => void scrape(apiMetrics).then((api) => series.push({ t: (Date.now() - t0) / 1000, api }), () => {}), 1_000);
  const marks: Promise<void>[] = [];
  const run = await runLoad<{ outcomes: Outcome[] }>(
    "loadgen.ts",
    {
      ...base,
      mode: "open",
      phases: [
        { name: "steady", rps: 100, seconds: steadySeconds },
        { name: "overload", rps: OVERLOAD_RPS, seconds: overloadSeconds },
      ],
      mix: MIX,
      healthzEveryMs: 100,
    },
    (line) => {
      const name = line.slice("PHASE ".length);
      marks.push(Promise.all([scrape(apiMetrics), scrape(server.workerMetricsUrl)]).then(([api, worker]) => void boundaries.set(name, { api, worker })));
    },
  );
  clearInterval(ticker);
  await Promise.all(marks);

  const phase = (name: string, until: string) => {
    const outcomes = run.outcomes.filter((o) => o.phase === name);
    const [from, to] = [boundaries.get(name)!, boundaries.get(until)!];
    const h = (m: string, which: "api" | "worker" = "api") => delta(buckets(to[which], m), buckets(from[which], m));
    const requests = outcomes.length;
    const progressive = outcomes.filter((o) => o.op === "progressive");
    const pool = h("memvault_api_db_pool_utilization");
    const seconds = name === "steady" ? steadySeconds : overloadSeconds;
    return {
      outcomes,
      requests,
      errors: outcomes.filter((o) => o.outcome === "error"),
      shed: outcomes.filter((o) => o.outcome === "shed").length,
      ttfv: progressive.flatMap((o) => (o.ttfvMs === undefined ? [] : [o.ttfvMs])),
      rerank: progressive.flatMap((o) => (o.rerankMs === undefined ? [] : [o.rerankMs])),
      sseSuccess: progressive.filter((o) => o.outcome === "ok").length / Math.max(1, progressive.length),
      authP95: quantile(h("memvault_api_auth_seconds"), 0.95) * 1000,
      poolP95: quantileBound(pool, 0.95),
      poolMax: maxObserved(pool),
      poolSamplesPerS: count(pool) / seconds,
      scorerP95: quantile(h("memvault_rerank_seconds", "worker"), 0.95) * 1000,
      latency: (op: string) => outcomes.filter((o) => o.op === op && o.outcome === "ok").map((o) => o.ms),
      served: () => outcomes.filter((o) => o.op !== "healthz" && o.outcome === "ok").map((o) => o.ms),
    };
  };
  const steady = phase("steady", "overload");
  const overload = phase("overload", "end");
  for (const [name, p] of [["steady", steady], ["overload", overload]] as const) {
    const codes = new Map<string, number>();
    for (const e of p.errors) codes.set(e.code ?? "?", (codes.get(e.code ?? "?") ?? 0) + 1);
    if (codes.size) log(`${name}: errors by code: ${JSON.stringify(Object.fromEntries(codes))}`);
  }

  const metrics: Record<string, number> = {
    tenants: TENANTS,
    rows_per_tenant: ROWS,
    api_search_rps_c10: apiRps,
    sql_search_rps_c10: sqlRps,
    api_vs_sql_ratio: apiRps / sqlRps,
    ttfv_p95_ms: percentile(steady.ttfv, 95),
    sse_success_rate: steady.sseSuccess,
    auth_p95_ms: steady.authP95,
    db_pool_util_p95: steady.poolP95,
    db_pool_util_max: steady.poolMax,
    db_pool_samples_per_s: steady.poolSamplesPerS,
    rerank_p95_ms: percentile(steady.rerank, 95),
    rerank_scorer_p95_ms: steady.scorerP95,
    error_rate: steady.errors.length / steady.requests,
    shed_rate: steady.shed / steady.requests,
    search_p50_ms: percentile(steady.latency("search"), 50),
    search_p95_ms: percentile(steady.latency("search"), 95),
    search_p99_ms: percentile(steady.latency("search"), 99),
    remember_p95_ms: percentile(steady.latency("remember"), 95),
    page_p95_ms: percentile(steady.latency("page"), 95),
    forget_p95_ms: percentile(steady.latency("forget"), 95),
    healthz_p95_ms: percentile(steady.latency("healthz"), 95),
    // Per phase: p99 of every memory request served, and the requests shed.
    p99_ms: percentile(steady.served(), 99),
    progressive_p99_ms: percentile(steady.latency("progressive"), 99),
    sheds: steady.shed,
    p99_ms_overload: percentile(overload.served(), 99),
    sheds_overload: overload.shed,
    shed_rate_overload: overload.shed / overload.requests,
    auth_p95_ms_overload: overload.authP95,
    db_pool_util_max_overload: overload.poolMax,
    healthz_p95_ms_overload: percentile(overload.latency("healthz"), 95),
    error_rate_overload: overload.errors.length / overload.requests,
    search_p95_ms_overload: percentile(overload.latency("search"), 95),
    served_rps_overload: overload.outcomes.filter((o) => o.outcome === "ok" && o.op !== "healthz").length / overloadSeconds,
  };

  printTable(
    ["metric", "value", "target", "verdict"],
    Object.entries(metrics).map(([k, v]) => {
      const gate = RULES.guardrails?.[k]?.gate;
      const verdict = gate ? (gate.check(v) ? "ok" : "FAIL") : "";
      return [k, v, gate?.label ?? "", verdict];
    }),
  );
  const distributions = Object.fromEntries(
    (["search", "progressive", "remember", "page", "forget", "healthz"] as const).map((op) => [
      op,
      [50, 75, 90, 95, 99, 99.9].map((p) => [p, percentile(steady.latency(op), p)]),
    ]),
  );
  const perSecond = summarisePerSecond(run.outcomes);
  const poolSeries = series.slice(1).map((s, i) => {
    const d = delta(buckets(s.api, "memvault_api_db_pool_utilization"), buckets(series[i]!.api, "memvault_api_db_pool_utilization"));
    return { t: s.t, max: maxObserved(d), p95: quantileBound(d, 0.95) };
  });
  process.stdout.write(`wrote ${writeBenchResult("guardrails", metrics, { series: { perSecond, pool: poolSeries }, distributions })}\n`);
} finally {
  await stack.close();
}

/** Per second of the run: offered, served, shed and failed requests and latency percentiles (client side). */
function summarisePerSecond(outcomes: Outcome[]) {
  const bySecond = new Map<number, Outcome[]>();
  for (const o of outcomes) {
    if (o.op === "healthz") continue;
    const s = Math.floor(o.t / 1000);
    bySecond.set(s, [...(bySecond.get(s) ?? []), o]);
  }
  return [...bySecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, os]) => {
      const ok = os.filter((o) => o.outcome === "ok").map((o) => o.ms);
      return { t, phase: os[0]!.phase, offered: os.length, ok: ok.length, shed: os.filter((o) => o.outcome === "shed").length, errors: os.filter((o) => o.outcome === "error").length, p50: percentile(ok, 50), p95: percentile(ok, 95) };
    });
}

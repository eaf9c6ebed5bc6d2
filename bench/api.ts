// npm run bench:api: the GraphQL API over HTTP on loopback, closed loops at 1, 10 and 50
// connections. memvault runs as `npm start` runs it (API and worker) in its own process;
// the load generator is another process, so client and server never share an event loop.
// 10 tenants x 10k sealed chunks (384-dim, clustered), the TinyBERT-L-2-shaped model.
import { parseArgs } from "node:util";
import { readDbConfig } from "../src/config/dbConfig.ts";
import { printTable, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import type { LoadPlan, OpKind, Outcome } from "./support/loadgen.ts";
import { buckets, delta, quantile, scrape } from "./support/promScrape.ts";
import { runLoad } from "./support/runLoad.ts";
import { startBenchStack } from "./support/benchStack.ts";
import { percentile } from "./support/stats.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    { tenants: { type: "string", default: "10" }, rows: { type: "string", default: "10000" }, seconds: { type: "string", default: "10" } },
    { tenants: "2", rows: "200", seconds: "1" },
  ),
});
const TENANTS = Number(values.tenants);
const ROWS = Number(values.rows);
const SECONDS = Number(values.seconds);
const DIMS = readDbConfig().EMBEDDING_DIM;
const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

// Closed loops from one client: the per-tenant limits would throttle the load itself.
const stack = await startBenchStack({
  prefix: "mva-",
  tenants: TENANTS,
  rows: ROWS,
  serverEnv: { RATE_LIMIT_SEARCHES_PER_MINUTE: "0", RATE_LIMIT_RERANKS_PER_MINUTE: "0", RATE_LIMIT_WRITES_PER_MINUTE: "0" },
  log,
});
const { server, tokens } = stack;

try {
  const base: Omit<LoadPlan, "mode"> = { url: server.url, tokens, dims: DIMS, timeoutMs: 30_000 };
  const closed = async (label: string, op: OpKind, connections: number) => {
    const { outcomes } = await runLoad<{ outcomes: Outcome[] }>("loadgen.ts", { ...base, mode: "closed", op, connections, seconds: SECONDS });
    const ok = outcomes.filter((o) => o.outcome === "ok");
    const result = {
      p50: percentile(ok.map((o) => o.ms), 50),
      p95: percentile(ok.map((o) => o.ms), 95),
      rps: ok.length / SECONDS,
      errors: outcomes.filter((o) => o.outcome === "error").length,
      shed: outcomes.filter((o) => o.outcome === "shed").length,
      ttfvP50: percentile(ok.flatMap((o) => (o.ttfvMs === undefined ? [] : [o.ttfvMs])), 50),
      ttfvP95: percentile(ok.flatMap((o) => (o.ttfvMs === undefined ? [] : [o.ttfvMs])), 95),
    };
    log(`${label}: ${outcomes.length} requests, ${result.errors} errors, ${result.shed} shed (OVERLOADED), ${result.rps.toFixed(0)} req/s`);
    return result;
  };

  await closed("warm-up", "search", 4);
  const authBefore = await scrape(server.metricsUrl);
  const results = {
    c1: await closed("ANN search, 1 connection", "search", 1),
    c10: await closed("ANN search, 10 connections", "search", 10),
    c50: await closed("ANN search, 50 connections", "search", 50),
    rerank: await closed("search with rerank, 2 connections", "rerank", 2),
    remember: await closed("remember, 10 connections", "remember", 10),
    progressive: await closed("progressive search over SSE, 1 connection", "progressive", 1),
  };
  const authAfter = await scrape(server.metricsUrl);
  const metrics: Record<string, number> = {
    tenants: TENANTS,
    rows_per_tenant: ROWS,
    search_p50_ms_c1: results.c1.p50,
    search_p95_ms_c1: results.c1.p95,
    search_rps_c1: results.c1.rps,
    search_p95_ms_c10: results.c10.p95,
    search_rps_c10: results.c10.rps,
    search_p95_ms_c50: results.c50.p95,
    search_rps_c50: results.c50.rps,
    search_rerank_p50_ms: results.rerank.p50,
    search_rerank_p95_ms: results.rerank.p95,
    ttfv_p50_ms: results.progressive.ttfvP50,
    ttfv_p95_ms: results.progressive.ttfvP95,
    progressive_final_p95_ms: results.progressive.p95,
    auth_p95_ms: quantile(delta(buckets(authAfter, "memvault_api_auth_seconds"), buckets(authBefore, "memvault_api_auth_seconds")), 0.95) * 1000,
    remember_per_s: results.remember.rps,
    errors: Object.values(results).reduce((a, r) => a + r.errors, 0),
    shed: Object.values(results).reduce((a, r) => a + r.shed, 0),
  };
  printTable(
    ["measure", "p50 ms", "p95 ms", "req/s", "errors", "shed"],
    Object.entries(results).map(([k, r]) => [k, r.p50, r.p95, r.rps, r.errors, r.shed]),
  );
  process.stdout.write(
    `auth (server-side verification) p95: ${metrics.auth_p95_ms!.toFixed(3)} ms; progressive search over SSE: first (ANN) event p50 ${metrics.ttfv_p50_ms!.toFixed(1)} / p95 ${metrics.ttfv_p95_ms!.toFixed(1)} ms, reranked p95 ${metrics.progressive_final_p95_ms!.toFixed(1)} ms\n`,
  );
  process.stdout.write(`wrote ${writeBenchResult("api", metrics)}\n`);
} finally {
  await stack.close();
}

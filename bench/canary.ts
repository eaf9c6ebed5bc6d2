// npm run bench:canary: canary rollouts of the reranker on live traffic. memvault runs as
// `npm start` runs it; rerank searches from many tenants come from a load generator in its
// own process; a TEI-protocol server that answers late (its own process too) is the slow
// treatment. Two scenarios, each with a short evaluation interval:
//   slow     the slow treatment at 10%: time from the step's start to the automatic rollback,
//            searches the treatment served after the rollback, failed searches
//   healthy  a copy of the production-shaped model: time to promotion through every step
// Writes bench/results/canary.json.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { formatRolloutStatus } from "../src/cli/rolloutStatus.ts";
import { readDbConfig } from "../src/config/dbConfig.ts";
import { selectRolloutStatus } from "../src/sql/selectRolloutStatus.ts";
import { machine, printTable, writeBenchResult } from "./support/benchResult.ts";
import { smokeDefaults } from "./support/smoke.ts";
import { startBenchStack } from "./support/benchStack.ts";
import type { LoadPlan, Outcome } from "./support/loadgen.ts";
import { runLoad } from "./support/runLoad.ts";

const { values } = parseArgs({
  options: smokeDefaults(
    {
      tenants: { type: "string", default: "200" },
      rps: { type: "string", default: "40" },
      interval: { type: "string", default: "5" },
      "failure-limit": { type: "string", default: "2" },
      "tei-delay-ms": { type: "string", default: "600" },
      "slow-share-bp": { type: "string", default: "1000" },
    },
    // 40 tenants at 40 req/s: one request per tenant a second. The slow arm is drawn by tenant,
    // and 10% of 40 is one tenant often enough (binomially, about one run in twelve): 5 samples
    // an interval, under the verdict's minimum of 10, so it never failed and never rolled
    // back. At 30% the arm holds two tenants or more all but always (2 s intervals left too
    // few samples too).
    { tenants: "40", "slow-share-bp": "3000" },
  ),
});
const TENANTS = Number(values.tenants);
const RPS = Number(values.rps);
const INTERVAL = Number(values.interval);
const FAILURE_LIMIT = Number(values["failure-limit"]);
const log = (line: string) => process.stderr.write(`[canary] ${line}\n`);
const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const GUARDRAILS = [
  { metric: "p95_latency_ms", max_value: 250, max_ratio: 2 },
  { metric: "skip_rate", max_value: 0.05, max_delta: 0.02 },
  { metric: "error_rate", max_value: 0.01, max_delta: 0.01 },
];

log(`machine: ${JSON.stringify(machine())}; ${TENANTS} tenants, ${RPS} rerank searches/s, interval ${INTERVAL} s, failure limit ${FAILURE_LIMIT}`);
// The slow TEI first: the worker may call a remote scorer only under RERANK_REMOTE_ALLOWED_URLS.
const tei = spawn(process.execPath, [path.join(import.meta.dirname, "support", "slowTei.ts"), values["tei-delay-ms"]!], { stdio: ["ignore", "pipe", "inherit"] });
const teiPort = await new Promise<number>((resolve, reject) => {
  tei.stdout!.once("data", (d: Buffer) => resolve(Number(/port (\d+)/.exec(d.toString())![1])));
  tei.once("exit", (code) => reject(new Error(`slowTei exited ${code}`)));
});
const stack = await startBenchStack({ prefix: "mvc-", tenants: TENANTS, rows: 20, serverEnv: { RERANK_REMOTE_ALLOWED_URLS: `http://127.0.0.1:${teiPort}/` }, log }).catch((err: unknown) => {
  tei.kill();
  throw err;
});
const root = new pg.Client({ connectionString: stack.rootUrl });
const operator = new pg.Client({ connectionString: stack.operatorUrl, application_name: "bench:canary" });

interface ScenarioResult {
  startedAt: Date;
  endedAt?: Date;
  endState: string;
  outcomes: Outcome[];
}

/** Traffic on, the rollout started a few seconds in, followed until it ends (or the load does). */
async function scenario(name: string, treatment: string, steps: object[], loadSeconds: number, endStates: string[]): Promise<ScenarioResult> {
  await operator.query("select memvault.create_rerank_rollout($1, 'tinybert', $2, $3::jsonb, $4::jsonb, $5, $6, 10)", [
    name,
    treatment,
    JSON.stringify(steps),
    JSON.stringify(GUARDRAILS),
    INTERVAL,
    FAILURE_LIMIT,
  ]);
  const plan: LoadPlan = {
    url: stack.server.url,
    tokens: stack.tokens,
    dims: readDbConfig().EMBEDDING_DIM,
    mode: "open",
    phases: [{ name, rps: RPS, seconds: loadSeconds }],
    mix: { search: 0, rerank: 1, progressive: 0, remember: 0, page: 0, forget: 0 },
    timeoutMs: 10_000,
  };
  const load = runLoad<{ outcomes: Outcome[] }>("loadgen.ts", plan);
  await new Promise((r) => setTimeout(r, 3_000));
  await operator.query("select memvault.start_rerank_rollout($1)", [name]);
  const startedAt = (await root.query("select started_at from memvault.rerank_rollouts where name = $1", [name])).rows[0].started_at as Date;
  log(`${name}: started at ${startedAt.toISOString()}`);
  let last = "";
  let ended: { at: Date; state: string } | undefined;
  const deadline = Date.now() + (loadSeconds - 3) * 1000;
  while (!ended && Date.now() < deadline) {
    const r = (await root.query("select state, current_step, failures, treatment_share_bp from memvault.monitor_rerank_rollouts where name = $1", [name])).rows[0];
    const now = `${r.state} step ${r.current_step} share ${r.treatment_share_bp / 100}% failures ${r.failures}`;
    if (now !== last) log(`${name}: ${now} (+${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s)`);
    last = now;
    if (endStates.includes(r.state) || ["rolled_back", "promoted", "aborted"].includes(r.state)) {
      const e = (await root.query("select at from memvault.rerank_rollout_events e join memvault.rerank_rollouts r on r.id = e.rollout_id where r.name = $1 order by e.id desc limit 1", [name])).rows[0];
      ended = { at: e.at, state: r.state };
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  const { outcomes } = await load;
  const failing = (await root.query("select window_end, arm, samples, p95_latency_ms, skip_rate, error_rate, reasons from memvault.monitor_rerank_measurements where rollout = $1 and verdict = 'fail' order by window_end", [name])).rows;
  for (const f of failing) log(`${name}: failing interval (${f.arm}, ${f.samples} samples, p95 ${f.p95_latency_ms === null ? "-" : Number(f.p95_latency_ms).toFixed(1)} ms, skip ${f.skip_rate}, error ${f.error_rate}): ${f.reasons.join("; ")}`);
  // Still running when its load ended (a target missed): aborted, so that the next scenario
  // can start and the report says what was missed instead of the bench dying on it.
  if (!ended) await operator.query("select memvault.abort_rerank_rollout($1)", [name]).catch((err: unknown) => log(`${name}: could not abort (${(err as { code?: string }).code})`));
  return { startedAt, ...(ended ? { endedAt: ended.at } : {}), endState: ended?.state ?? last, outcomes };
}

try {
  const port = teiPort;
  await root.connect();
  await operator.connect();
  const copyDir = `${stack.modelDir}-copy`;
  fs.cpSync(stack.modelDir, copyDir, { recursive: true });
  for (const [name, dir] of [["tinybert", stack.modelDir], ["tinybert-copy", copyDir]] as const) {
    await operator.query("select memvault.create_rerank_variant($1, $2, null, $3, 32, 256, 1, 250)", [name, dir, sha256(path.join(dir, "model.onnx"))]);
  }
  await operator.query("select memvault.create_rerank_variant('slow-tei', null, $1, null, 32, 256, 1, 250)", [`http://127.0.0.1:${port}/`]);
  // As the runbook does: the current model is the default variant before any rollout, so the
  // worker has it loaded (prefetch on NOTIFY) when the control arm starts serving.
  await operator.query("select memvault.set_default_rerank_variant('tinybert')");
  await new Promise((r) => setTimeout(r, 2_000));

  const slowShare = Number(values["slow-share-bp"]);
  log(`slow: a TEI server answering after ${values["tei-delay-ms"]} ms, at ${slowShare / 100}% of tenants`);
  const slow = await scenario("slow", "slow-tei", [{ share_bp: slowShare, min_duration_seconds: 3600, min_samples: 1_000_000 }], 40, ["rolled_back"]);
  process.stderr.write(`[canary] memvault rollout status slow:\n${formatRolloutStatus((await selectRolloutStatus(operator, "slow"))!)}\n`);
  const reasons = (await root.query(
    `select q.rollout_arm as arm, coalesce(q.skip_reason, 'reranked') as outcome, count(*)::int as n
     from memvault.search_requests q join memvault.rerank_rollouts r on r.id = q.rollout_id
     where r.name = 'slow' group by 1, 2 order by 1, 2`,
  )).rows;
  log(`slow: outcomes by arm while it ran: ${reasons.map((r) => `${r.arm} ${r.outcome} ${r.n}`).join(", ")}`);
  const rollbackAfter = slow.endState === "rolled_back" && slow.endedAt ? (slow.endedAt.getTime() - slow.startedAt.getTime()) / 1000 : NaN;
  const after = slow.endedAt
    ? Number((await root.query("select count(*)::int as n from memvault.search_requests where rerank_variant = 'slow-tei' and created_at > $1", [slow.endedAt])).rows[0].n)
    : NaN;
  const servedAfter = slow.endedAt ? Number((await root.query("select count(*)::int as n from memvault.search_requests where created_at > $1", [slow.endedAt])).rows[0].n) : 0;
  const slowTreated = (await root.query("select count(*)::int as n, count(*) filter (where status = 'skipped')::int as skipped from memvault.search_requests where rerank_variant = 'slow-tei'")).rows[0];

  log("healthy: a copy of the model, 20% then 50%, promoted after the last step");
  const healthy = await scenario("healthy", "tinybert-copy", [
    { share_bp: 2000, min_duration_seconds: 10, min_samples: 50 },
    { share_bp: 5000, min_duration_seconds: 10, min_samples: 50 },
  ], 50, ["promoted"]);
  const promoteAfter = healthy.endState === "promoted" && healthy.endedAt ? (healthy.endedAt.getTime() - healthy.startedAt.getTime()) / 1000 : NaN;

  const failed = [...slow.outcomes, ...healthy.outcomes].filter((o) => o.outcome === "error");
  const shed = [...slow.outcomes, ...healthy.outcomes].filter((o) => o.outcome === "shed").length;
  const target = (FAILURE_LIMIT + 1) * INTERVAL;
  const metrics = {
    rollback_after_s: rollbackAfter,
    treatment_searches_after_rollback: after,
    searches_failed: failed.length,
    promote_after_s: promoteAfter,
    rollback_target_s: target,
    searches: slow.outcomes.length + healthy.outcomes.length,
    searches_shed: shed,
    slow_treatment_searches: slowTreated.n,
    searches_after_rollback: servedAfter,
  };
  printTable(
    ["metric", "value", "target"],
    [
      ["rollback_after_s", rollbackAfter, `<= ${target} (failure limit ${FAILURE_LIMIT} + 1 intervals of ${INTERVAL} s)`],
      ["treatment_searches_after_rollback", after, "0"],
      ["searches_failed", failed.length, "0"],
      ["promote_after_s", promoteAfter, `2 steps of >= 10 s, interval ${INTERVAL} s`],
      ["searches (served / shed)", `${slow.outcomes.length + healthy.outcomes.length} / ${shed}`, ""],
      ["slow treatment searches (skipped, fail-open)", `${slowTreated.n} (${slowTreated.skipped})`, ""],
      ["searches after the rollback (all on control)", servedAfter, ""],
    ],
  );
  if (failed.length) log(`failed searches: ${[...new Set(failed.map((f) => f.code))].join(", ")}`);
  const shedCodes = new Map<string, number>();
  for (const o of [...slow.outcomes, ...healthy.outcomes]) if (o.outcome === "shed") shedCodes.set(o.code ?? "?", (shedCodes.get(o.code ?? "?") ?? 0) + 1);
  if (shed) log(`shed searches (answered with a coded refusal, not failures): ${[...shedCodes].map(([c, n]) => `${c} ${n}`).join(", ")}`);
  const file = writeBenchResult("canary", metrics, {
    config: { tenants: TENANTS, rps: RPS, interval_s: INTERVAL, failure_limit: FAILURE_LIMIT, tei_delay_ms: Number(values["tei-delay-ms"]), slow_share_bp: slowShare, guardrails: GUARDRAILS },
  });
  log(`wrote ${file}`);
  const met = rollbackAfter <= target && after === 0 && failed.length === 0 && Number.isFinite(promoteAfter);
  log(met ? "targets met" : "TARGETS NOT MET");
  if (!met) process.exitCode = 1;
} finally {
  tei.kill("SIGTERM");
  await operator.end().catch(() => {});
  await root.end().catch(() => {});
  await stack.close();
}

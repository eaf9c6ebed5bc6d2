// npm run bench:smoke: every bench in smoke mode (BENCH_SMOKE=1: tiny sizes, seconds each),
// one after another, each checked for exit 0 and a result file carrying every metric its
// baseline names, as a finite number. CI runs it (.ci/run), so no bench can rot. bench:citus
// runs too when Citus is installed or can be built (`--citus`). The numbers mean nothing.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { SMOKE_RESULTS } from "./support/smoke.ts";

const { values } = parseArgs({ options: { citus: { type: "boolean", default: false }, only: { type: "string" } } });
const here = import.meta.dirname;
const benches: { name: string; args: string[]; result: string; env?: Record<string, string> }[] = [
  { name: "crypto", args: [], result: "crypto" },
  { name: "rerank", args: [], result: "rerank" },
  { name: "ingest", args: [], result: "ingest" },
  { name: "ann", args: [], result: "ann" },
  { name: "ann", args: ["--shape", "uniform"], result: "ann-uniform" },
  { name: "api", args: [], result: "api" },
  { name: "guardrails", args: [], result: "guardrails" },
  { name: "canary", args: [], result: "canary" },
  { name: "rollback", args: [], result: "rollback" },
  { name: "embed", args: [], result: "embed" },
  { name: "locomo", args: [], result: "locomo" },
  { name: "keys", args: [], result: "keys" },
  ...(values.citus ? [{ name: "citus", args: [], result: "citus", env: { LOG_LEVEL: "warn", RERANK_ENABLED: "false" } }] : []),
].filter((b) => !values.only || values.only.split(",").includes(b.result));

/** The metric keys a bench must report: its baseline's, else its committed result's. */
function expectedKeys(result: string): string[] {
  for (const dir of ["baselines", "results"]) {
    const file = path.join(here, dir, `${result}.json`);
    if (fs.existsSync(file)) return Object.keys((JSON.parse(fs.readFileSync(file, "utf8")) as { metrics: object }).metrics);
  }
  return [];
}

function check(result: string): string | undefined {
  const file = path.join(SMOKE_RESULTS, `${result}.json`);
  if (!fs.existsSync(file)) return `wrote no ${file}`;
  const written = JSON.parse(fs.readFileSync(file, "utf8")) as { bench?: string; metrics?: Record<string, unknown> };
  if (!written.metrics || typeof written.bench !== "string") return `${file} is not {"bench", "metrics"}`;
  const missing = expectedKeys(result).filter((k) => typeof written.metrics![k] !== "number" || !Number.isFinite(written.metrics![k]));
  return missing.length ? `missing or not finite: ${missing.join(", ")}` : undefined;
}

fs.rmSync(SMOKE_RESULTS, { recursive: true, force: true });
const failures: string[] = [];
const started = Date.now();
for (const [i, b] of benches.entries()) {
  const t0 = Date.now();
  const label = `bench:${b.name}${b.args.length ? ` ${b.args.join(" ")}` : ""}`;
  process.stderr.write(`[bench:smoke] ${i + 1}/${benches.length} ${label}\n`);
  const run = spawnSync(process.execPath, [path.join(here, `${b.name}.ts`), ...b.args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...b.env, BENCH_SMOKE: "1" },
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 10 * 60_000,
  });
  const problem = run.status !== 0 ? `exit ${run.status ?? run.signal}` : check(b.result);
  if (problem) failures.push(`${label}: ${problem}`);
  process.stderr.write(`[bench:smoke] ${label}: ${problem ? `FAILED (${problem})` : "ok"} in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}
process.stdout.write(`[bench:smoke] ${benches.length - failures.length} of ${benches.length} benches ran in smoke mode in ${Math.round((Date.now() - started) / 1000)} s${failures.length ? `; failed:\n  ${failures.join("\n  ")}` : ""}\n`);
process.exitCode = failures.length ? 1 : 0;

// npm run bench:all: every bench, one after another (about 30 minutes on the reference
// machine; run it on a quiet machine), then bench:check. Exits 1 when a bench failed or the
// check did.
import { spawnSync } from "node:child_process";
import path from "node:path";

const benches: [string, string[]][] = [
  ["crypto", []],
  ["rerank", []],
  ["ingest", []],
  ["ann", []],
  ["ann", ["--shape", "uniform"]],
  ["api", []],
  ["guardrails", []],
  ["canary", []],
  ["rollback", []],
  ["embed", []],
  ["locomo", []],
  ["keys", []],
];
const started = Date.now();
let failed = 0;
for (const [i, [bench, args]] of benches.entries()) {
  const t0 = Date.now();
  process.stderr.write(`[bench:all] ${i + 1}/${benches.length} bench:${bench} ${args.join(" ")}\n`);
  const run = spawnSync(process.execPath, [path.join(import.meta.dirname, `${bench}.ts`), ...args], { stdio: "inherit" });
  if (run.status !== 0) failed++;
  process.stderr.write(`[bench:all] bench:${bench} ${run.status === 0 ? "done" : `FAILED (${run.status})`} in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}
process.stderr.write(`[bench:all] ${benches.length} benches in ${Math.round((Date.now() - started) / 60_000)} min; checking against the baselines\n`);
const check = spawnSync(process.execPath, [path.join(import.meta.dirname, "check.ts")], { stdio: "inherit" });
process.exitCode = failed > 0 || check.status !== 0 ? 1 : 0;

// npm run bench:check [-- --results DIR --baselines DIR]: every bench/results/*.json against
// bench/baselines/*.json by bench/rules.ts; a table, and exit 1 on any regression, failed
// gate, missing metric or missing baseline.
import path from "node:path";
import { parseArgs } from "node:util";
import { printTable } from "./support/benchResult.ts";
import { checkResults } from "./support/checkResults.ts";
import { RULES } from "./rules.ts";

const here = import.meta.dirname;
const { values } = parseArgs({ options: { results: { type: "string", default: path.join(here, "results") }, baselines: { type: "string", default: path.join(here, "baselines") } } });
const { rows, failed } = checkResults(values.results!, values.baselines!, RULES);
const fmt = (v: number | undefined) => (v === undefined ? "-" : Number.isInteger(v) ? String(v) : v.toPrecision(4));
printTable(
  ["bench", "metric", "baseline", "now", "ratio", "verdict", "rule"],
  rows.map((r) => [r.bench, r.metric, fmt(r.baseline), fmt(r.now), r.ratio === undefined ? "-" : r.ratio.toFixed(2), r.verdict, r.detail]),
);
const bad = rows.filter((r) => r.verdict !== "ok");
process.stdout.write(rows.length === 0 ? "no results to check\n" : bad.length ? `${bad.length} of ${rows.length} checks failed\n` : `all ${rows.length} checks passed\n`);
process.exitCode = failed ? 1 : 0;

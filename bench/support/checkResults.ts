// bench:check's judgement: every result against its committed baseline, metric by metric,
// by the rules in bench/rules.ts. A metric regresses when it moved the wrong way by more
// than its tolerance; it fails when it misses its absolute gate or is missing.
import fs from "node:fs";
import path from "node:path";
import type { MetricRule } from "../rules.ts";

export interface CheckRow {
  bench: string;
  metric: string;
  baseline: number | undefined;
  now: number | undefined;
  /** How far it moved the wrong way: >1 is worse than the baseline. */
  ratio: number | undefined;
  verdict: "ok" | "regressed" | "gate failed" | "missing" | "no baseline";
  detail: string;
}

type BenchFile = { bench: string; metrics: Record<string, number> };

const readBench = (file: string): BenchFile => JSON.parse(fs.readFileSync(file, "utf8")) as BenchFile;

/** now vs baseline, oriented so that > 1 is worse. */
export function worseBy(rule: MetricRule, baseline: number, now: number): number {
  const [num, den] = rule.better === "lower" ? [now, baseline] : [baseline, now];
  if (num === den) return 1;
  if (den === 0) return Infinity;
  return num / den;
}

export function checkMetric(bench: string, metric: string, rule: MetricRule, baseline: number | undefined, now: number | undefined): CheckRow {
  const row = { bench, metric, baseline, now, ratio: undefined as number | undefined };
  if (now === undefined || !Number.isFinite(now)) return { ...row, verdict: "missing", detail: "not in the result" };
  if (rule.gate && !rule.gate.check(now)) return { ...row, verdict: "gate failed", detail: `must be ${rule.gate.label}` };
  if (baseline === undefined) return { ...row, verdict: rule.gate ? "ok" : "no baseline", detail: rule.gate ? `gate ${rule.gate.label}` : "" };
  const ratio = worseBy(rule, baseline, now);
  const verdict = ratio > rule.tolerance ? "regressed" : "ok";
  return { ...row, ratio, verdict, detail: `${rule.better} is better, tolerance x${rule.tolerance}${rule.gate ? `, gate ${rule.gate.label}` : ""}` };
}

export function checkResults(resultsDir: string, baselinesDir: string, rules: Record<string, Record<string, MetricRule>>): { rows: CheckRow[]; failed: boolean } {
  const rows: CheckRow[] = [];
  const results = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((f) => f.endsWith(".json")).sort() : [];
  for (const file of results) {
    const result = readBench(path.join(resultsDir, file));
    const baselineFile = path.join(baselinesDir, file);
    const baseline = fs.existsSync(baselineFile) ? readBench(baselineFile) : undefined;
    const benchRules = rules[result.bench] ?? {};
    if (!baseline && Object.keys(benchRules).length > 0) {
      rows.push({ bench: result.bench, metric: "*", baseline: undefined, now: undefined, ratio: undefined, verdict: "no baseline", detail: `no ${path.join(path.basename(baselinesDir), file)}` });
    }
    for (const [metric, rule] of Object.entries(benchRules)) rows.push(checkMetric(result.bench, metric, rule, baseline?.metrics[metric], result.metrics[metric]));
  }
  return { rows, failed: rows.length === 0 || rows.some((r) => r.verdict !== "ok") };
}

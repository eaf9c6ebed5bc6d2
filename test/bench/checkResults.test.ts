// bench:check judged: results equal to the committed baselines pass; a result within
// tolerance passes; a doctored one (a p95 three times the baseline, a success rate
// under its gate, a missing metric, a bench without a baseline) fails, and the command
// exits 1.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { RULES } from "../../bench/rules.ts";
import { checkMetric, checkResults, worseBy } from "../../bench/support/checkResults.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BASELINES = path.join(ROOT, "bench", "baselines");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A results directory holding the committed baselines, with `edit` applied to one bench's metrics. */
function doctored(bench: string, edit: (m: Record<string, number>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mv-check-"));
  dirs.push(dir);
  for (const f of fs.readdirSync(BASELINES)) fs.copyFileSync(path.join(BASELINES, f), path.join(dir, f));
  const file = path.join(dir, `${bench}.json`);
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { metrics: Record<string, number> };
  edit(doc.metrics);
  fs.writeFileSync(file, JSON.stringify(doc));
  return dir;
}

async function cli(results: string, baselines = BASELINES): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bench", "check.ts"), "--results", results, "--baselines", baselines]);
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

describe("bench:check", () => {
  it("every gated bench has a committed baseline that passes its own gates", () => {
    for (const bench of Object.keys(RULES)) expect(fs.existsSync(path.join(BASELINES, `${bench}.json`)), bench).toBe(true);
    const { rows, failed } = checkResults(BASELINES, BASELINES, RULES);
    expect(rows.filter((r) => r.verdict !== "ok")).toEqual([]);
    expect(failed).toBe(false);
  });

  // Never bench/results: every local bench run rewrites it, and a slow afternoon on this
  // machine would fail npm test. Results equal to the baselines pass, and the command says so.
  it("results equal to the committed baselines pass (exit 0)", async () => {
    const { code, stdout } = await cli(doctored("guardrails", () => {}));
    expect(stdout).toMatch(/all \d+ checks passed/);
    expect(code).toBe(0);
  });

  it("a result moved within its tolerance passes", async () => {
    const dir = doctored("guardrails", (m) => {
      m.ttfv_p95_ms = Math.min(149, m.ttfv_p95_ms! * 1.5);
      m.api_vs_sql_ratio = Math.max(0.6, m.api_vs_sql_ratio! / 1.2);
    });
    expect((await cli(dir)).code).toBe(0);
  });

  it("a p95 three times the baseline is a regression, even under its gate", async () => {
    const dir = doctored("api", (m) => {
      m.search_p95_ms_c1 = m.search_p95_ms_c1! * 3.5;
    });
    const { code, stdout } = await cli(dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/api\s+search_p95_ms_c1 .* regressed/);
  });

  it("a success rate under its gate, an error where there must be none, a missing metric: each fails", async () => {
    for (const edit of [
      (m: Record<string, number>) => void (m.sse_success_rate = 0.99),
      (m: Record<string, number>) => void (m.error_rate_overload = 0.001),
      (m: Record<string, number>) => void delete m.db_pool_util_max,
      (m: Record<string, number>) => void (m.db_pool_util_max = 0.9),
    ]) {
      const { code, stdout } = await cli(doctored("guardrails", edit));
      expect(code).toBe(1);
      expect(stdout).toMatch(/guardrails .*(gate failed|missing)/);
    }
  });

  it("a result with no baseline fails; an empty results directory fails", async () => {
    const results = doctored("crypto", () => {});
    const noBaselines = fs.mkdtempSync(path.join(os.tmpdir(), "mv-check-"));
    dirs.push(noBaselines);
    expect((await cli(results, noBaselines)).stdout).toMatch(/no baseline/);
    expect((await cli(results, noBaselines)).code).toBe(1);
    expect((await cli(noBaselines)).code).toBe(1);
  });

  it("orients ratios by direction, including zero baselines", () => {
    expect(worseBy({ better: "lower", tolerance: 2 }, 10, 30)).toBe(3);
    expect(worseBy({ better: "higher", tolerance: 2 }, 100, 50)).toBe(2);
    expect(worseBy({ better: "lower", tolerance: 2 }, 0, 0)).toBe(1);
    expect(worseBy({ better: "lower", tolerance: 2 }, 0, 1)).toBe(Infinity);
    expect(checkMetric("b", "m", { better: "higher", tolerance: 1.5 }, 100, 70).verdict).toBe("ok");
    expect(checkMetric("b", "m", { better: "higher", tolerance: 1.5 }, 100, 60).verdict).toBe("regressed");
    expect(checkMetric("b", "m", { better: "lower", tolerance: 1.5 }, 10, Number.NaN).verdict).toBe("missing");
  });
});

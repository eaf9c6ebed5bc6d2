// bench:report writes one self-contained page: every chart it announces has a canvas, the
// charting library and the data are inlined, and nothing is fetched from anywhere.
// (`npm run bench:report -- --check` renders it in Chromium; that is the bench's own check.)
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

it("the report is self-contained and has a canvas per chart, for the guardrails run and each gated bench", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mv-report-"));
  try {
    const out = path.join(dir, "report.html");
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bench", "report.ts"), "--out", out]);
    const charts = Number(/\((\d+) charts/.exec(stdout)?.[1]);
    const html = fs.readFileSync(out, "utf8");
    expect(charts).toBeGreaterThanOrEqual(8);
    expect(html.match(/<canvas /g)).toHaveLength(charts);
    for (const id of ["guardrails-throughput", "guardrails-latency", "guardrails-pool", "guardrails-distribution", "vs-baseline-guardrails", "vs-baseline-api"]) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/Chart\.js v4/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

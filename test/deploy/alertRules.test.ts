// deploy/: the Prometheus alert rules pass `promtool check rules` and their unit tests
// (`promtool test rules`), every alert has a unit test, every dashboard expression parses,
// and every memvault metric a rule or a panel names is exported by a running API and a
// running worker (scraped over HTTP, not read from the source).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { useApiFixture } from "../support/apiFixture.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker } from "../support/workerProcess.ts";

const RULES_DIR = path.join(PROJECT_ROOT, "deploy", "prometheus");
const RULES = path.join(RULES_DIR, "memvault.rules.yml");
const RULE_TESTS = path.join(RULES_DIR, "memvault.rules.test.yml");
const DASHBOARD = path.join(PROJECT_ROOT, "deploy", "grafana", "memvault.json");

const fx = useKeyringDatabase();
const api = useApiFixture(fx);
let promtool: string;

beforeAll(() => {
  // Debian's promtool, fetched on demand (scripts/provision-promtool.sh).
  promtool = execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "provision-promtool.sh")], { encoding: "utf8" }).trim().split("\n").at(-1)!;
}, 120_000);

const run = (args: string[], cwd = RULES_DIR) => spawnSync(promtool, args, { cwd, encoding: "utf8" });
const alertNames = () => [...fs.readFileSync(RULES, "utf8").matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]!);
const ruleExprs = () => fs.readFileSync(RULES, "utf8");
const dashboardExprs = (): string[] =>
  (JSON.parse(fs.readFileSync(DASHBOARD, "utf8")) as { panels: { targets: { expr: string }[] }[] }).panels.flatMap((p) => p.targets.map((t) => t.expr));
/** memvault metric names an expression uses, with histogram suffixes kept (checked against TYPE lines below). */
const namesIn = (text: string) => new Set([...text.matchAll(/\bmemvault_[a-z0-9_]+/g)].map((m) => m[0]));

async function exportedNames(url: string): Promise<Set<string>> {
  const text = await (await fetch(url)).text();
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_count", "_sum"]) names.add(m[1]! + s);
    if (m[2] === "summary") for (const s of ["_count", "_sum"]) names.add(m[1]! + s);
  }
  return names;
}

describe("alert rules and dashboard", () => {
  it("promtool check rules passes", () => {
    const res = run(["check", "rules", RULES]);
    expect(res.stdout + res.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(res.status).toBe(0);
  });

  it("promtool test rules passes, and every alert has a unit test", () => {
    const res = run(["test", "rules", path.basename(RULE_TESTS)]);
    expect(res.stdout + res.stderr).toMatch(/SUCCESS/);
    expect(res.status).toBe(0);
    const tested = new Set([...fs.readFileSync(RULE_TESTS, "utf8").matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(alertNames().filter((a) => !tested.has(a))).toEqual([]);
  });

  it("promtool refuses a broken rule file (the check can fail)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvprom-"));
    try {
      fs.writeFileSync(path.join(dir, "bad.yml"), "groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: sum(rate(memvault_jobs_total[5m]) > \n");
      expect(run(["check", "rules", path.join(dir, "bad.yml")], dir).status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every dashboard expression parses as PromQL", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvprom-"));
    try {
      const rules = dashboardExprs().map((expr, i) => `      - record: dashboard:panel_expr_${i}\n        expr: ${JSON.stringify(expr)}\n`);
      fs.writeFileSync(path.join(dir, "dashboard.yml"), `groups:\n  - name: dashboard\n    rules:\n${rules.join("")}`);
      const res = run(["check", "rules", path.join(dir, "dashboard.yml")], dir);
      expect(res.stdout + res.stderr).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every metric a rule or a panel names is exported by the API or a worker", async () => {
    const port = await freePort();
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" });
    try {
      const metricsUrl = `http://127.0.0.1:${port}/metrics`;
      await waitFor("the worker's metrics", async () => (await fetch(metricsUrl).catch(() => undefined))?.ok === true);
      const exported = new Set([...(await exportedNames(api.api.metricsUrl!)), ...(await exportedNames(metricsUrl))]);
      expect(exported.has("memvault_no_such_metric")).toBe(false);
      const wanted = new Set([...namesIn(ruleExprs()), ...dashboardExprs().flatMap((e) => [...namesIn(e)])]);
      expect(wanted.size).toBeGreaterThan(20);
      expect([...wanted].filter((n) => !exported.has(n)).sort()).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});

// Generated documents are committed as generated: a settings declaration or a benchmark
// result that changed without `npm run docs` fails here, naming the file.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alertRows } from "../../docs/generate/alertsReference.ts";
import { generatedDocuments } from "../../docs/generate/generatedDocuments.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

describe("generated documents", () => {
  it.each(Object.entries(generatedDocuments()))("%s is what npm run docs writes", (file, text) => {
    const full = path.join(PROJECT_ROOT, file);
    expect(fs.existsSync(full), `${file} is missing: run npm run docs`).toBe(true);
    expect(fs.readFileSync(full, "utf8") === text, `${file} is stale: run npm run docs and commit it`).toBe(true);
  });

  it("docs/alerts.md has every rule of the rules file, each with a severity, a summary and a runbook line", () => {
    const yaml = fs.readFileSync(path.join(PROJECT_ROOT, "deploy", "prometheus", "memvault.rules.yml"), "utf8");
    const rows = alertRows(yaml);
    expect(rows.map((r) => r.alert)).toEqual([...yaml.matchAll(/^\s+- alert: (\w+)/gm)].map((m) => m[1]));
    for (const r of rows) expect([r.severity, r.summary, r.runbook].every(Boolean), r.alert).toBe(true);
  });
});

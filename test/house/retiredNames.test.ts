// One name per concept: names retired in favour of another stay retired. Each entry says
// what replaced it; the check reads every tracked text file but the committed migrations
// (history, never edited) and this list.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

const RETIRED: readonly { name: RegExp; use: string }[] = [
  { name: /\bchunk ?\{/, use: "SearchHit.memory: a search hit's memory (GraphQL says memory, as TypeScript does)" },
  { name: /forgetAll \{[^}]*\bchunks\b/, use: "ForgetAllPayload.sealed" },
  { name: /memvault_chunks_(sealed|resealed|expired)_total/, use: "memvault_memories_{stored,resealed,expired}_total (a seal is one field's encryption)" },
  { name: /\bOPERATION_BUDGET\b/, use: "OPERATION_QUOTA (a budget is a time limit; a quota is a count)" },
  { name: /\buseWorkerFixture\b/, use: "useKeyringDatabase (it starts no worker)" },
  { name: /variant="env"|variant: env\b|variant default env\b|`env` reranker|\benv: createReranker|rerankers\.env\b/, use: "settings: the variant that stands for each worker's RERANK_* settings (migration 000018)" },
  { name: /\bdev-wordhash\b/, use: "EMBEDDER_WORDHASH (npm start's development embedder is code, not a generated model)" },
];

const SKIP = /^(migrations\/committed\/|migrations\/schema\.sql$|package-lock\.json$|test\/fixtures\/|test\/house\/retiredNames\.test\.ts$)/;

describe("retired names", () => {
  it("appear nowhere in the tracked sources, docs, deploy files or tests", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: PROJECT_ROOT, encoding: "utf8" }).split("\n").filter((f) => f && !SKIP.test(f) && /\.(ts|md|sql|json|ya?ml|graphql|sh)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      const full = path.join(PROJECT_ROOT, file);
      if (!fs.existsSync(full)) continue;
      fs.readFileSync(full, "utf8").split("\n").forEach((line, i) => {
        for (const { name, use } of RETIRED) if (name.test(line)) found.push(`${file}:${i + 1}: ${name.source} -> ${use}`);
      });
    }
    expect(found).toEqual([]);
  });
});

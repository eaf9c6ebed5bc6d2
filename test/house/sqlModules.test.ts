// SQL used from TypeScript: one operation per file in src/sql/, named after the function
// that runs it (sql/CONVENTIONS.md, "SQL from TypeScript").
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

const SQL_DIR = path.join(PROJECT_ROOT, "src", "sql");

describe("src/sql", () => {
  it("each file that queries exports exactly one function taking a connection, named as the file", () => {
    const wrong: string[] = [];
    for (const file of fs.readdirSync(SQL_DIR).filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(SQL_DIR, file), "utf8");
      const queries = [...text.matchAll(/^export (?:async )?function (\w+)\(\s*(?:client|db|pool|tx)\b/gm)].map((m) => m[1]!);
      if (!/\.query\b/.test(text)) {
        if (queries.length) wrong.push(`${file}: exports ${queries.join(", ")} but runs no query`);
        continue;
      }
      if (queries.length !== 1 || `${queries[0]}.ts` !== file) wrong.push(`${file}: exports ${queries.join(", ") || "no query function"}`);
    }
    expect(wrong).toEqual([]);
  });
});

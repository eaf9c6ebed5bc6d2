// No key material in the repository: no default, example or test key anywhere. Scans
// every tracked text file for strings shaped like a 256-bit key (base64 of 32 bytes,
// 64 hex digits) and allows only the few known non-key shapes.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

// Wycheproof vectors are public test keys by design (test/fixtures/SOURCE.md).
const SKIP = [/^package-lock\.json$/, /^bench\/results\//, /^test\/fixtures\/wycheproof\//];
const BASE64_KEY = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g;
const HEX_KEY = /(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])/g;

function trackedFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  return out.split("\n").filter((f) => f && !SKIP.some((re) => re.test(f)) && fs.existsSync(path.join(PROJECT_ROOT, f)));
}

describe("the repository", () => {
  it("holds no hard-coded key material", () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(20);
    const findings: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8");
      for (const re of [BASE64_KEY, HEX_KEY]) {
        for (const m of text.matchAll(re)) {
          const decoded = re === BASE64_KEY ? Buffer.from(m[0], "base64") : Buffer.from(m[0], "hex");
          if (decoded.length === 32) findings.push(`${f}: ${m[0].slice(0, 8)}…`);
        }
      }
    }
    expect(findings).toEqual([]);
  });

  it("the scanner finds a key when there is one", () => {
    const sample = `const KEY = "${Buffer.alloc(32, 7).toString("base64")}"; const H = "${"ab".repeat(32)}";`;
    expect([...sample.matchAll(BASE64_KEY)]).toHaveLength(1);
    expect([...sample.matchAll(HEX_KEY)]).toHaveLength(1);
  });
});

// The shell examples of the README and docs/api.md, run as a reader runs them: `memvault start`
// in development on a local cluster of its own (as `npm start` does), then each block verbatim
// (only the port is this test's), with bash, curl and bin/memvault from the clone. Every
// GraphQL answer they print must be free of errors.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { waitFor } from "../support/waitFor.ts";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "mv-readme-"));
// A newcomer's environment: no memvault settings at all, development as npm start sets it.
const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? home, MEMVAULT_HOME: home, GRAPHILE_ENV: "development", LOG_LEVEL: "warn" };
let server: ChildProcess;
let port: number;

/** The first ```sh block of a document that contains `marker`, with this test's port. */
function shellBlock(file: string, marker: string): string {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
  const block = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  if (!block) throw new Error(`no sh block in ${file} with ${marker}`);
  return block.replaceAll("127.0.0.1:4000", `127.0.0.1:${port}`);
}

const runBlock = (script: string) => spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 90_000 });

/** The GraphQL answers a block printed (one JSON document per line), and any error among them. */
function answers(stdout: string) {
  const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{"));
  const parsed = lines.map((line) => JSON.parse(line) as { data?: any; errors?: unknown });
  return { parsed, errors: parsed.filter((a) => a.errors !== undefined) };
}

beforeAll(async () => {
  port = await freePort();
  server = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "start"], {
    cwd: PROJECT_ROOT,
    env: { ...env, API_PORT: String(port), METRICS_PORT: "0", API_METRICS_PORT: "0", RERANK_ENABLED: "false" },
    stdio: ["ignore", "ignore", "ignore"],
  });
  await waitFor("memvault start ready", async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 120_000, 250);
}, 150_000);

afterAll(async () => {
  if (server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "db", "stop"], { env, encoding: "utf8" });
  fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

describe("README", () => {
  it("'A first memory' runs as written: two memories remembered, both sealed and listed, the right one found by meaning", () => {
    const script = shellBlock("README.md", "# 1. Remember");
    expect(script).toContain("bin/memvault token --sub alice");
    const res = runBlock(script);
    expect(res.status, res.stderr).toBe(0);
    const { parsed, errors } = answers(res.stdout);
    expect(errors, res.stdout).toEqual([]);
    const [listed, found] = parsed.slice(-2);
    expect(listed!.data.memories.nodes.map((n: { text: string }) => n.text).sort()).toEqual(["Alice is allergic to peanuts.", "Alice prefers window seats on long flights."]);
    expect(found!.data.search.hits[0].memory.text).toBe("Alice prefers window seats on long flights.");
  }, 90_000);

  it("a second npm start on the same clone, on another port, is refused while the first runs", async () => {
    const other = await freePort();
    const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "start"], { cwd: PROJECT_ROOT, env: { ...env, API_PORT: String(other), METRICS_PORT: "0", API_METRICS_PORT: "0" }, encoding: "utf8", timeout: 60_000 });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/ALREADY_RUNNING: memvault start is already running on this local cluster \(pid \d+/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).ok).toBe(true);
  });
});

describe("docs/api.md", () => {
  it("the walkthrough runs as written: every answer free of errors, the expired memory gone, everything forgotten at the end", () => {
    const res = runBlock(shellBlock("docs/api.md", "rememberMany(inputs: $i)"));
    expect(res.status, res.stderr).toBe(0);
    const { parsed, errors } = answers(res.stdout);
    expect(errors, res.stdout).toEqual([]);
    expect(parsed.find((a) => a.data?.search)?.data.search.hits[0].memory.text).toBe("Alice prefers window seats on long flights.");
    expect(parsed.find((a) => a.data?.forgetAll)?.data.forgetAll).toMatchObject({ pending: 0 });
    expect(parsed.at(-1)!.data).toEqual({ memories: { hasNextPage: false } });
  }, 120_000);

  it("the Server-Sent Events example streams the ANN phase, then the final one, then completes", () => {
    const res = runBlock(shellBlock("docs/api.md", "graphql/stream"));
    expect(res.status, res.stderr).toBe(0);
    const phases = [...res.stdout.matchAll(/"phase":"(\w+)"/g)].map((m) => m[1]);
    expect(phases).toEqual(["ann", "reranked"]);
    expect(res.stdout).toContain("event: complete");
  });
});

describe("docs/install.md", () => {
  it("the DBA's first look runs as written: doctor, a psql prompt through db env, the sanity script", () => {
    const res = spawnSync("bash", ["-euo", "pipefail", "-c", shellBlock("docs/install.md", "bin/memvault doctor")], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 90_000, stdio: ["ignore", "pipe", "pipe"] });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/PASS/);
    expect(res.stdout).not.toMatch(/\bFAIL\b/);
    expect(res.stdout + res.stderr).toContain("RESULT: 3 of 3 sanity checks PASSED");
  });
});

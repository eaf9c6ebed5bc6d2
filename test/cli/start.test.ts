// `memvault start` against a configured database: the API in the process, the worker in a
// child process of its own (memories get sealed), both stopped by one SIGTERM, and the
// worker gone by itself when its parent is killed outright.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { waitFor } from "../support/waitFor.ts";

const fx = useKeyringDatabase();
const secret = randomBytes(32).toString("hex");
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function start(extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "start"], {
    env: {
      PATH: process.env.PATH,
      GRAPHILE_ENV: "production",
      DATABASE_URL: fx.db.url("owner"),
      ROOT_DATABASE_URL: fx.db.url("root"),
      WORKER_DATABASE_URL: fx.db.url("worker"),
      AUTHENTICATOR_DATABASE_URL: fx.db.url("authenticator"),
      MEMVAULT_KEYRING_FILE: fx.keyringFile,
      JWT_SECRET: secret,
      JWT_AUDIENCE: "memvault-start-test",
      API_PORT: String(port),
      METRICS_PORT: "0",
      API_METRICS_PORT: "0",
      ...extraEnv,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  started.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => void (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor("API ready", async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok, 90_000, 250);
  const workerPid = await waitFor("worker pid", () => Number(/worker started in its own process \(pid (\d+)\)/.exec(stderr)?.[1]) || undefined);
  return { child, url, workerPid, stderr: () => stderr };
}

describe("memvault start", () => {
  it("outside development makes no keyring, secret or token of its own: it stops at once, naming the variable", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "mv-prod-home-"));
    try {
      for (const [env, variable] of [[{}, "MEMVAULT_KEYRING"], [{ MEMVAULT_KEYRING_FILE: fx.keyringFile }, "JWT_"]] as const) {
        const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "start"], {
          env: { PATH: process.env.PATH, GRAPHILE_ENV: "production", MEMVAULT_HOME: home, API_PORT: "0", API_METRICS_PORT: "0", METRICS_PORT: "0", ...env },
          encoding: "utf8",
          timeout: 30_000,
        });
        expect(res.status, res.stderr).toBe(1);
        expect(res.stderr).toContain(variable);
        expect(res.stderr).not.toMatch(/development token|eyJ/);
        expect(fs.readdirSync(home)).toEqual([]); // no cluster, no keyring, no secret
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("npm start defaults GRAPHILE_ENV to development only on the local cluster", () => {
    const script = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
    const envOf = (env: Record<string, string>) =>
      spawnSync("sh", ["-c", script.replace("node src/cli/main.ts start", 'echo "$GRAPHILE_ENV"')], { env: { PATH: process.env.PATH!, ...env }, encoding: "utf8" }).stdout.trim();
    expect(envOf({})).toBe("development");
    expect(envOf({ DATABASE_URL: "postgres://db/app" })).toBe("");
    expect(envOf({ GRAPHILE_ENV: "production" })).toBe("production");
  });

  it("runs the worker in its own process: a memory written through the API gets sealed; SIGTERM stops both", async () => {
    const { child, url, workerPid } = await start();
    expect(workerPid).not.toBe(child.pid);
    const token = await new SignJWT({ sub: "start-user", aud: "memvault-start-test" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    const gql = (query: string, variables = {}) =>
      fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) }).then((r) => r.json() as Promise<any>);
    const { data } = await gql(`mutation($i: RememberInput!) { remember(input: $i) { id } }`, { i: { text: "sealed by the child", embedding: Array.from({ length: 384 }, (_, i) => Math.sin(i + 1)) } });
    await waitFor("sealed", async () => (await gql(`query($id: String!) { memory(id: $id) { status } }`, { id: data.remember.id })).data.memory.status === "sealed");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(alive(workerPid)).toBe(false);
  });

  it("EMBEDDER_WORDHASH (what npm start sets without a model): the API and the worker embed texts, so a text-only memory is found by a text search", async () => {
    const { child, url } = await start({ EMBEDDER_WORDHASH: "true", RERANK_ENABLED: "false" });
    const token = await new SignJWT({ sub: "wordhash-user", aud: "memvault-start-test" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(secret));
    const gql = (query: string, variables = {}) =>
      fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) }).then((r) => r.json() as Promise<any>);
    for (const text of ["the cat sat on the mat", "quarterly invoices are due friday"]) {
      const { data } = await gql(`mutation($i: RememberInput!) { remember(input: $i) { id } }`, { i: { text } });
      await waitFor("sealed", async () => (await gql(`query($id: String!) { memory(id: $id) { status } }`, { id: data.remember.id })).data.memory.status === "sealed");
    }
    const res = await gql(`{ search(query: "when are the invoices due", k: 1) { hits { memory { text } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.search.hits[0].memory.text).toBe("quarterly invoices are due friday");
    child.kill("SIGTERM");
  });

  it("a parent killed outright does not leave its worker behind", async () => {
    const { child, workerPid } = await start();
    expect(alive(workerPid)).toBe(true);
    child.kill("SIGKILL");
    await waitFor("worker gone", () => !alive(workerPid), 30_000);
  });
});

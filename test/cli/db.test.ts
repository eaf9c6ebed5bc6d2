// The CLI end to end on its own local cluster: db start (initdb as an unprivileged OS
// user, free port, socket in the data directory), migrate, psql through db env, doctor,
// a role widened by hand, stop.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../src/api/verifyToken.ts";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { destroyCluster, readClusterState, roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "mvc-"));
const env = { ...process.env, MEMVAULT_HOME: home, DATABASE_URL: "", ROOT_DATABASE_URL: "" };

function memvaultWith(extra: Record<string, string>, ...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), ...args], { env: { ...env, ...extra }, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
const memvault = (...args: string[]) => memvaultWith({}, ...args);

function psqlWithEnv(script: string) {
  const exports = memvault("db", "env").stdout;
  const pgEnv = Object.fromEntries([...exports.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  return spawnSync(path.join(pgBinDir(), "psql"), ["--no-psqlrc", "-f", path.join(PROJECT_ROOT, "sql", script)], {
    env: { PATH: process.env.PATH, ...pgEnv },
    encoding: "utf8",
  });
}

beforeAll(() => {
  const res = memvault("db", "start");
  expect(res.stderr).toContain("ready:");
  expect(res.status).toBe(0);
});

afterAll(() => {
  const state = readClusterState(home);
  if (state) destroyCluster(state);
  fs.rmSync(home, { recursive: true, force: true });
});

describe("memvault db", () => {
  it("runs the cluster on a loopback port with its socket in the data directory", () => {
    const state = readClusterState(home)!;
    const status = memvault("db", "status");
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`running port=${state.port}`);
    expect(state.port).not.toBe(5432);
    expect(fs.existsSync(path.join(state.dataDir, `.s.PGSQL.${state.port}`))).toBe(true);
    // Credentials never leave MEMVAULT_HOME's 0600 files.
    expect((fs.statSync(path.join(home, "cluster.json")).mode & 0o077)).toBe(0);
    expect(memvault("db", "url").stdout).not.toContain(state.passwords.postgres!);
  });

  it("is idempotent: a second start keeps the cluster and its data", () => {
    const before = readClusterState(home)!;
    const res = memvault("db", "start");
    expect(res.status).toBe(0);
    expect(res.stderr).not.toContain("initdb");
    expect(readClusterState(home)!.passwords).toEqual(before.passwords);
  });

  it("gives DBAs psql through db env: sanity 3 of 3, no leaks", () => {
    const sanity = psqlWithEnv("pre_deploy_sanity.sql");
    expect(sanity.stdout).toContain("RESULT: 3 of 3 sanity checks PASSED");
    expect(sanity.status).toBe(0);
    const leak = psqlWithEnv("leak_test.sql");
    expect(leak.stderr).toContain("RESULT: 0 leaked rows");
    expect(leak.status).toBe(0);
  });

  it("db env and db url offer only roles that can log in: memvault_user is refused with what to use instead", () => {
    for (const sub of ["env", "url"]) {
      const res = memvault("db", sub, "--role", "user");
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/BAD_ROLE: .*memvault_user cannot log in/);
      expect(res.stdout).toBe("");
    }
    expect(memvault("db", "env", "--role", "monitor").stdout).toContain("export PGUSER=memvault_monitor");
  });

  it("doctor passes, then fails once a runtime role is given BYPASSRLS", async () => {
    const ok = memvault("doctor");
    expect(ok.stdout).toMatch(/sql\/pre_deploy_sanity\.sql\s+PASS/);
    expect(ok.stdout).not.toMatch(/\bFAIL\b/);
    expect(ok.status).toBe(0);

    const state = readClusterState(home)!;
    const client = new pg.Client({ connectionString: roleUrl(state, "root", "postgres") });
    await client.connect();
    try {
      await client.query("alter role memvault_user bypassrls");
      const bad = memvault("doctor");
      expect(bad.stdout).toMatch(/role memvault_user\s+FAIL\s+BYPASSRLS/);
      expect(bad.status).toBe(1);
      // Migrating again narrows the role back (roles.sql re-asserts the attributes).
      expect(memvault("db", "migrate").status).toBe(0);
      expect(memvault("doctor").status).toBe(0);
    } finally {
      await client.end();
    }
  });

  it("stops; then doctor says to start the cluster instead of failing on a connection", () => {
    try {
      expect(memvault("db", "stop").status).toBe(0);
      expect(memvault("db", "status").status).toBe(3);
      const doctor = memvault("doctor");
      expect(doctor.status).toBe(1);
      expect(doctor.stderr).toMatch(/is stopped: start it with `memvault db start`/);
    } finally {
      // The file's other tests, in whatever order they run, find it running again.
      expect(memvault("db", "start").status).toBe(0);
    }
  });

  it("start refuses before touching the database when the API port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "mvs-"));
    try {
      const res = memvaultWith({ MEMVAULT_HOME: fresh, API_PORT: String(port) }, "start");
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/ALREADY_RUNNING: 127\.0\.0\.1:\d+ is in use: is memvault already running\?/);
      expect(res.stderr).not.toMatch(/EADDRINUSE|at .*\.ts/);
      expect(fs.readdirSync(fresh)).toEqual([]); // no cluster made, nothing migrated
    } finally {
      blocker.close();
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe("memvault token", () => {
  it("mints a development token with npm start's secret, and refuses in production", async () => {
    const secret = "a".repeat(64);
    fs.writeFileSync(path.join(home, "jwt-secret"), secret, { mode: 0o600 });
    const res = memvault("token", "--sub", "alice", "--ttl", "600");
    expect(res.status).toBe(0);
    const verified = await createTokenVerifier({ kind: "secret", secret: new TextEncoder().encode(secret) }).verify(`Bearer ${res.stdout.trim()}`);
    expect(verified.sub).toBe("alice");
    expect(verified.exp - Date.now() / 1000).toBeGreaterThan(500);
    expect(memvaultWith({ GRAPHILE_ENV: "production" }, "token", "--sub", "alice").stderr).toMatch(/PRODUCTION/);
    expect(memvaultWith({ JWT_SECRET: "b".repeat(40) }, "token", "--sub", "alice").stderr).toMatch(/PRODUCTION/);
    expect(memvault("token").stderr).toMatch(/USAGE/);
  });
});

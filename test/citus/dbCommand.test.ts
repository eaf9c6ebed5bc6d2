// The operator's path, as the README gives it: `memvault db start --nodes 3` (a coordinator
// and two worker nodes on loopback), memories written on one node, `memvault db
// distribute` moving them into shards, `doctor` on the result, stop and start again.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroyCluster, readClusterState, roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { tenantHash } from "../support/tenant.ts";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "mvn-"));
const env = { ...process.env, MEMVAULT_HOME: home, DATABASE_URL: "", ROOT_DATABASE_URL: "" };
const memvault = (...args: string[]) => {
  const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), ...args], { env, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
};

beforeAll(() => {
  const res = memvault("db", "start", "--nodes", "3");
  expect(res.stderr).toContain("ready:");
  expect(res.stderr).toMatch(/citus: coordinator 127\.0\.0\.1:[0-9]+, worker nodes 127\.0\.0\.1:[0-9]+, 127\.0\.0\.1:[0-9]+/);
  expect(res.status).toBe(0);
});
afterAll(() => {
  const state = readClusterState(home);
  if (state) destroyCluster(state);
  fs.rmSync(home, { recursive: true, force: true });
});

const withRoot = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ connectionString: roleUrl(readClusterState(home)!, "root", "memvault") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};

describe("memvault db start --nodes / distribute", () => {
  it("distributes a database that already holds memories, loses none, and doctor passes", async () => {
    const status = memvault("db", "status");
    expect(status.stdout.match(/running/g)).toHaveLength(3);
    const tenants = Array.from({ length: 20 }, (_, i) => tenantHash(`db-distribute-${i}`));
    await withRoot(async (c) => {
      await c.query(
        `insert into memvault.memory_chunks (user_hash, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         select t, 1, '\\x00', '\\x00', '\\x00', (select array_agg(random() + 0.01)::real[]::public.vector from generate_series(1, 384) where g > 0)
         from unnest($1::text[]) as t, generate_series(1, 10) as g`,
        [tenants],
      );
    });
    expect(memvault("doctor").stdout).toMatch(/citus memory_chunks +WARN +not distributed yet/);

    const res = memvault("db", "distribute", "--shards", "4");
    expect(res.stderr).toContain("distributing memvault.memory_chunks (200 rows) by user_hash into 4 shards over 2 worker nodes");
    expect(res.stderr).toContain("every shard has row-level security enabled and forced");
    expect(res.status).toBe(0);
    expect(memvault("db", "distribute").stderr).toContain("already distributed");

    await withRoot(async (c) => {
      const n = await c.query<{ n: number }>("select count(*)::int as n from memvault.memory_chunks where user_hash = any($1::text[])", [tenants]);
      expect(n.rows[0]!.n).toBe(200);
      const nodes = await c.query<{ n: number }>("select count(distinct nodeport)::int as n from pg_catalog.citus_shards where table_name = 'memvault.memory_chunks'::regclass");
      expect(nodes.rows[0]!.n).toBe(2);
    });
    const doctor = memvault("doctor");
    expect(doctor.stdout).toMatch(/citus memory_chunks +PASS +distributed by user_hash, 4 shards/);
    expect(doctor.stdout.match(/citus node 127\.0\.0\.1:[0-9]+ +PASS/g)).toHaveLength(2);
    expect(doctor.status, doctor.stdout).toBe(0);

    // A pg_dump of the coordinator would hold no shard rows: refused, not written.
    const backup = memvault("deploy", "backup", "--database", "memvault");
    expect(backup.stderr).toMatch(/DISTRIBUTED/);
    expect(backup.status).not.toBe(0);
    // Before 000010 the schema cannot ingest on a distributed database: refused, nothing reversed.
    const rollback = memvault("deploy", "rollback", "--database", "memvault", "--to", "9");
    expect(rollback.stderr).toMatch(/DISTRIBUTED: .*refusing to roll back to 000009/);
    expect(rollback.status).not.toBe(0);
    expect(memvault("doctor").status).toBe(0);
    // Stop and start again: the nodes come back, registered as before.
    expect(memvault("db", "stop").status).toBe(0);
    expect(memvault("db", "status").status).toBe(3);
    expect(memvault("db", "start").status).toBe(0);
    await withRoot(async (c) => {
      expect((await c.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n).toBe(200);
    });
  });

  it("refuses bad --nodes and --shards values with a code", () => {
    expect(memvault("db", "start", "--nodes", "0").stderr).toMatch(/BAD_INPUT/);
    expect(memvault("db", "distribute", "--shards", "x").stderr).toMatch(/BAD_INPUT/);
  });
});

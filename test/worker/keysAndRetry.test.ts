// Keys and failures through real worker processes: no keyring, no worker; a keyring that
// breaks mid-run fails jobs without losing rows; rotation + re-seal moves every row to the
// new key; old keys cannot be removed while rows need them; DBAs can retry failed jobs.
// Keys, jobs and re-seals are whole-database state: each test gets a database and a
// keyring file of its own (the `fx` fixture), so each stands alone, in any order.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { describe, expect, inject, it as base } from "vitest";
import { openLabels, sealLabels } from "../../src/api/openMemory.ts";
import type { KeyringDocument } from "../../src/crypto/keyring.ts";
import { createSealer, sealedUnderTenantKey } from "../../src/crypto/seal.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { resealAsBeforeTenantKeys } from "../support/beforeTenantKeys.ts";
import { kekEnv } from "../support/kekEnv.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { freePort, roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { freshKeyringDocument, keyringFrom, rotateKeyringDocument } from "../support/keyrings.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { bulkRemember } from "../support/bulkRemember.ts";
import { createPool } from "../../src/db/createPool.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker, writeKeyringFile } from "../support/workerProcess.ts";

// The keyring as the KEK (KEK_PROVIDER=keyring), for this file's processes and the
// worker processes it starts: `keys rotate` with the keyring is what these tests are about.
process.env.KEK_PROVIDER = "keyring";

const A = tenantHash("keys A");
const B = tenantHash("keys B");

interface KeysFixture {
  db: TestDatabase;
  root: pg.Pool;
  doc: KeyringDocument;
  keyringFile: string;
  cliWith(env: Record<string, string>, ...args: string[]): SpawnSyncReturns<string>;
  cli(...args: string[]): SpawnSyncReturns<string>;
  remember(userHash: string, n: number): Promise<unknown>;
  count(sql: string): Promise<number>;
  /** Seals what is waiting with a worker of its own, then stops it. */
  sealAll(): Promise<void>;
}

const it = base.extend<{ fx: KeysFixture }>({
  fx: async ({}, use) => {
    const db = await createTestDatabase();
    // Ended by this fixture after the test (not one of the test's own resources).
    const root = createPool({ connectionString: db.url("root"), max: 4 }, { error: (f: { code?: string }, m: string) => void process.stderr.write(`${m} (${f.code})\n`) } as never, "keys test");
    const doc = freshKeyringDocument();
    const keyringFile = writeKeyringFile(doc);
    const cliWith = (env: Record<string, string>, ...args: string[]) =>
      spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), ...args], {
        env: { PATH: process.env.PATH, ...kekEnv(), DATABASE_URL: db.url("owner"), ROOT_DATABASE_URL: roleUrl(inject("cluster"), "root", "postgres"), ...env },
        encoding: "utf8",
      });
    const count = async (sql: string) => (await root.query(sql)).rows[0].n as number;
    const fx: KeysFixture = {
      db,
      root,
      doc,
      keyringFile,
      cliWith,
      cli: (...args) => cliWith({ MEMVAULT_KEYRING_FILE: keyringFile }, ...args),
      remember: (userHash, n) => bulkRemember(root, userHash, n, "memory"),
      count,
      async sealAll() {
        const worker = await startWorker(db, { MEMVAULT_KEYRING_FILE: keyringFile });
        try {
          await waitFor("all sealed", async () => (await count("select count(*)::int as n from memvault.chunk_ingest")) === 0, 120_000);
        } finally {
          await worker.stop();
        }
      },
    };
    try {
      await use(fx);
    } finally {
      await root.end();
      await db.drop();
      fs.rmSync(path.dirname(keyringFile), { recursive: true, force: true });
    }
  },
});

/** Five sealed rows put back as they were before per-tenant keys, labels included (beforeTenantKeys.ts). */
async function sealFiveUnderKeyring(fx: KeysFixture): Promise<string[]> {
  const ids = (await fx.root.query("select id::text from memvault.memory_chunks order by id limit 5")).rows.map((r) => r.id as string);
  return resealAsBeforeTenantKeys({ root: fx.root, workerUrl: fx.db.url("worker"), keyringFile: fx.keyringFile }, { ids, labels: (id) => ({ scope: "agent:keys", tags: [id] }) });
}

describe("keys and failures", () => {
  it("a worker without a keyring refuses to start, naming the variable, even beside npm start's development keyring", async ({ fx }) => {
    // What `npm start` leaves in .memvault/ belongs to the local cluster: a worker pointed at
    // another database by WORKER_DATABASE_URL must not take it.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "mv-home-"));
    try {
      fs.writeFileSync(path.join(home, "keyring.json"), JSON.stringify(fx.doc), { mode: 0o600 });
      const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "worker"], {
        cwd: home,
        env: { PATH: process.env.PATH, WORKER_DATABASE_URL: fx.db.url("worker"), MEMVAULT_HOME: home, METRICS_PORT: "0" },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/MEMVAULT_KEYRING: is not set/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("a keyring that breaks mid-run fails the job, keeps the rows, and heals once fixed", async ({ fx }) => {
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });
    const good = fs.readFileSync(fx.keyringFile, "utf8");
    try {
      fs.writeFileSync(fx.keyringFile, "{ this is not a keyring", { mode: 0o600 });
      await fx.remember(A, 1);
      // The task records the attempt on the row, then graphile-worker records the failure on
      // the job in its own transaction: wait for both.
      const failedJobs = "select count(*)::int as n from graphile_worker.jobs where task_identifier like 'seal%' and last_error is not null";
      await waitFor(
        "the failed attempt",
        async () => (await fx.count("select max(attempts)::int as n from memvault.chunk_ingest")) >= 1 && (await fx.count(failedJobs)) >= 1,
        120_000,
      );
      const row = (await fx.root.query("select attempts, last_error, text from memvault.chunk_ingest")).rows[0];
      expect(row.last_error).toBe("MEMVAULT_CONFIG MEMVAULT_KEYRING_FILE");
      expect(await fx.count("select count(*)::int as n from memvault.memory_chunks")).toBe(0);
      const job = (await fx.root.query("select last_error from graphile_worker.jobs where task_identifier like 'seal%'")).rows[0];
      expect(job.last_error).toBe("MEMVAULT_CONFIG MEMVAULT_KEYRING_FILE"); // a code: no content, no key
      fs.writeFileSync(fx.keyringFile, good, { mode: 0o600 });
      // graphile-worker retries with exponential backoff (e^1 s, e^2 s, ...).
      await waitFor("the retry to seal it", async () => (await fx.count("select count(*)::int as n from memvault.memory_chunks")) === 1, 120_000, 250);
      expect(await fx.count("select count(*)::int as n from memvault.chunk_ingest")).toBe(0);
    } finally {
      // Never leave the shared keyring file broken for the tests after this one.
      fs.writeFileSync(fx.keyringFile, good, { mode: 0o600 });
      await worker.stop();
    }
  });

  it("jobs that gave up are listed for DBAs and `memvault ingest retry` brings them back", async ({ fx }) => {
    const good = fs.readFileSync(fx.keyringFile, "utf8");
    fs.writeFileSync(fx.keyringFile, JSON.stringify({ ...fx.doc, keys: [] }), { mode: 0o600 });
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile }, { waitReady: false });
    // It cannot even start with that keyring.
    await waitFor("the worker to refuse", () => worker.child.exitCode !== null, 120_000);
    expect(worker.logs()).toMatch(/MEMVAULT_KEYRING_FILE: needs a non-empty "keys" array/);
    await worker.stop();
    fs.writeFileSync(fx.keyringFile, good, { mode: 0o600 });

    await fx.remember(B, 3);
    // Simulate a job that used up its attempts.
    await fx.root.query("update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'SEAL_UNKNOWN_KEY'");
    const failures = (await fx.root.query("select task_identifier, user_hash, last_error from memvault.seal_failures")).rows;
    expect(failures).toEqual([{ task_identifier: "seal_batch", user_hash: B, last_error: "SEAL_UNKNOWN_KEY" }]);
    // The monitor role can read the list.
    await asIdentity(fx.root, { role: "memvault_monitor" }, async (c) => {
      expect((await c.query("select count(*)::int as n from memvault.seal_failures")).rows[0].n).toBe(1);
    });

    const res = fx.cli("ingest", "retry");
    expect(res.stderr).toBe("");
    expect(res.stdout).toContain("rescheduled 1 failed jobs");
    const next = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });
    try {
      await waitFor("B's rows sealed", async () => (await fx.count(`select count(*)::int as n from memvault.memory_chunks where user_hash = '${B}'`)) === 3, 120_000);
    } finally {
      await next.stop();
    }
  });

  it("`ingest retry` re-queues orphaned ingest rows even when the tenant has other (non-seal) jobs", async ({ fx }) => {
    const C = tenantHash("retry C (orphaned)");
    await fx.remember(C, 2);
    // The seal jobs are lost (a queue reset, say); the tenant still has an unrelated job.
    await fx.root.query("delete from graphile_worker._private_jobs where payload ->> 'userHash' = $1", [C]);
    await fx.root.query("select graphile_worker.add_job('expire_search_requests', json_build_object('userHash', $1::text), run_at := now() + interval '1 day')", [C]);
    const res = fx.cli("ingest", "retry");
    expect(res.stderr).toBe("");
    expect(res.stdout).toMatch(/queued 1 jobs for tenants with unqueued ingest rows/);
    try {
      const jobs = (
        await fx.root.query(
          `select t.identifier from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
           where j.payload ->> 'userHash' = $1 order by 1`,
          [C],
        )
      ).rows;
      expect(jobs.map((j) => j.identifier)).toEqual(["expire_search_requests", "seal_batch"]);
    } finally {
      await fx.root.query("delete from graphile_worker._private_jobs where payload ->> 'userHash' = $1", [C]);
      await fx.root.query("delete from memvault.chunk_ingest where user_hash = $1", [C]);
    }
  });

  it("without any keyring, rotate names the problem (memories exist) and never advises a new keyring", async ({ fx }) => {
    await fx.remember(A, 1);
    await fx.sealAll();
    const res = fx.cliWith({ MEMVAULT_HOME: path.join(path.dirname(fx.keyringFile), "no-such-home") }, "keys", "rotate", "--reseal");
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/NO_KEYRING: .* memories are sealed: point MEMVAULT_KEYRING_FILE/);
    expect(res.stderr).not.toMatch(/keys generate/);
  });

  it("rotate rewraps every tenant's data keys under the new KEK and re-seals no row; --reseal moves rows from before per-tenant keys onto them; the old key can go only after", async ({ fx }) => {
    await fx.remember(A, 40);
    await fx.remember(B, 4);
    await fx.sealAll();
    expect(await fx.count("select count(*)::int as n from memvault.memory_chunks where key_version <> 0")).toBe(0);
    expect(await fx.count("select count(*)::int as n from memvault.tenant_keys where kek_id = 'keyring:1'")).toBe(4); // A and B: versions 0 and 1
    // Five rows as they were before per-tenant keys: sealed under keyring version 1, labels too.
    const legacy = await sealFiveUnderKeyring(fx);
    const untouched = new Map((await fx.root.query("select id::text, text_cipher from memvault.memory_chunks where key_version = 0")).rows.map((r) => [r.id, r.text_cipher]));

    expect(fx.cli("keys", "remove", "--version", "1").stderr).toMatch(/KEY_IS_PRIMARY/);
    // A worker runs the re-seal jobs; it reads the rotated keyring file by itself.
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, SEAL_BATCH_SIZE: "2" });
    const rotated = await new Promise<SpawnSyncReturns<string>>((resolve) => setImmediate(() => resolve(fx.cli("keys", "rotate", "--reseal", "--timeout", "60")))).finally(() => worker.stop());
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stderr).toMatch(/rewrap \[#+\] 4\/4 data keys under keyring:2/);
    expect(rotated.stderr).toMatch(/re-seal requested for 2 tenants/);
    expect(rotated.stderr).toMatch(/re-seal \[#+\] 5\/5 chunks under their tenants' keys/);
    expect(await fx.count("select count(*)::int as n from memvault.tenant_keys where kek_id <> 'keyring:2'")).toBe(0);
    expect(await fx.count("select count(*)::int as n from memvault.memory_chunks where key_version <> 0")).toBe(0);
    // The KEK rotation touched no row: the 39 rows already under their tenants' keys are byte for byte as they were.
    for (const r of (await fx.root.query("select id::text, text_cipher from memvault.memory_chunks where id <> all($1::uuid[])", [legacy])).rows) {
      expect(r.text_cipher.equals(untouched.get(r.id))).toBe(true);
    }

    // Everything opens with the tenants' keys, now wrapped under version 2; the five rows' labels too.
    const newKeyrings = createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile });
    for (const tenant of [A, B]) {
      const sealer = await tenantSealer(fx.db.url("worker"), newKeyrings, tenant);
      for (const r of (await fx.root.query("select id, text_cipher, meta_cipher, labels_cipher from memvault.memory_chunks where user_hash = $1", [tenant])).rows) {
        expect(sealer.openSealed(r.text_cipher, chunkContext(tenant, r.id, "text")).toString()).toMatch(/^memory \d+$/);
        expect(JSON.parse(sealer.openSealed(r.meta_cipher, chunkContext(tenant, r.id, "meta")).toString())).toHaveProperty("g");
        if (legacy.includes(r.id)) {
          expect(sealedUnderTenantKey(r.labels_cipher)).toBe(true);
          expect(openLabels(sealer, tenant, r.id, r.labels_cipher)).toEqual({ scope: "agent:keys", tags: [r.id] });
        }
      }
    }
    // Nothing needs version 1 any more: now it may go.
    const removed = fx.cli("keys", "remove", "--version", "1");
    expect(removed.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(fx.keyringFile, "utf8")).keys.map((k: { version: number }) => k.version)).toEqual([2]);
  });

  it("refuses to remove a key version that still seals rows from before per-tenant keys", async ({ fx }) => {
    await fx.remember(A, 6);
    await fx.sealAll();
    await sealFiveUnderKeyring(fx);
    expect(fx.cli("keys", "rotate").status).toBe(0); // 2 is primary and wraps every data key; five rows are still on 1
    const refused = fx.cli("keys", "remove", "--version", "1");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/KEY_IN_USE: 5 chunks are still sealed with key version 1/);
    expect(JSON.parse(fs.readFileSync(fx.keyringFile, "utf8")).keys.map((k: { version: number }) => k.version)).toEqual([1, 2]);
  });

  it("refuses to remove a key version that still wraps a tenant's data key", async ({ fx }) => {
    await fx.remember(A, 2);
    await fx.sealAll();
    // A rotation whose rewrap has not reached A's keys yet: the keyring has 2, A's keys are under 1.
    const { doc } = fx;
    fs.writeFileSync(fx.keyringFile, JSON.stringify(rotateKeyringDocument(doc)), { mode: 0o600 });
    const refused = fx.cli("keys", "remove", "--version", "1");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/KEY_IN_USE: 2 tenant data keys are wrapped under key version 1/);
  });

  it("refuses to remove a key version that still seals a waiting memory's labels", async ({ fx }) => {
    // No chunk is sealed at all; one memory waits in chunk_ingest with labels the API sealed
    // under key 1, as it does before the worker runs.
    await fx.remember(A, 1);
    const id = (await fx.root.query("select id::text from memvault.chunk_ingest")).rows[0].id as string;
    await fx.root.query("update memvault.chunk_ingest set labels_cipher = $1 where id = $2", [sealLabels(createSealer(keyringFrom(fx.doc)), A, id, { scope: "agent:keys", tags: ["waiting"] }), id]);
    expect(fx.cli("keys", "rotate").status).toBe(0);
    const refused = fx.cli("keys", "remove", "--version", "1");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/KEY_IN_USE: 1 labels and 0 search queries are still sealed with key version 1/);
    expect(JSON.parse(fs.readFileSync(fx.keyringFile, "utf8")).keys.map((k: { version: number }) => k.version)).toEqual([1, 2]);
  });

  it("the worker serves Prometheus metrics", async ({ fx }) => {
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, METRICS_PORT: String(await freePort()) });
    try {
      await fx.remember(A, 1);
      await waitFor("sealed", async () => (await fx.count("select count(*)::int as n from memvault.chunk_ingest")) === 0, 120_000);
      const url = await waitFor("the metrics url", () => /"metricsUrl":"([^"]+)"/.exec(worker.logs())?.[1]);
      const body = await waitFor("seal metrics", async () => {
        const text = await (await fetch(url)).text();
        return text.includes('memvault_jobs_total{task="seal_chunk",outcome="done"}') ? text : undefined;
      });
      expect(body).toMatch(/memvault_memories_stored_total \d+/);
      expect(body).toContain("memvault_job_start_latency_seconds_bucket");
      expect(body).toContain('memvault_seals_total{key_version="0"}'); // under the tenant's own key
    } finally {
      await worker.stop();
    }
  });
});

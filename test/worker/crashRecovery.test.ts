// kill -9 in the middle of a 10k-row ingest (1,000 sealed, 9,000 waiting, jobs taken), then a
// new worker: every row sealed, none lost, each with its own content. Also: SIGTERM drains cleanly.
import { describe, expect, it } from "vitest";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { tenantHash } from "../support/tenant.ts";
import { bulkRemember } from "../support/bulkRemember.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker } from "../support/workerProcess.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const A = tenantHash("crash A");
const B = tenantHash("crash B");
const fx = useKeyringDatabase();
const { keyringFile } = fx;

const bulkInsert = (userHash: string, n: number) => bulkRemember(fx.root, userHash, n, "row");

/** One tenant's rows (each test has its own tenant: the tests stand alone, in any order). */
async function state(userHash: string) {
  const { rows } = await fx.root.query(
    `select (select count(*)::int from memvault.chunk_ingest where user_hash = $1) as ingest,
            (select count(*)::int from memvault.memory_chunks where user_hash = $1) as chunks,
            (select count(*)::int from memvault.chunk_ingest i join memvault.memory_chunks c using (user_hash, id) where i.user_hash = $1) as both_tables,
            (select count(distinct text)::int from memvault.chunk_ingest where user_hash = $1) as ingest_texts`,
    [userHash],
  );
  return rows[0] as { ingest: number; chunks: number; both_tables: number; ingest_texts: number };
}

/**
 * What could really go wrong past a crash besides a lost row (the primary key already rules
 * out two rows with one id): a memory sealed with another's content, say a batch retried
 * against rows in another order. Each sealed row must open under its own id to the text it
 * was stored with, and its meta to the same row's.
 */
async function expectSealedAsStored(userHash: string, stored: Map<string, string>) {
  const sealer = await tenantSealer(fx.db.url("worker"), createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }), userHash);
  const { rows } = await fx.root.query("select id, text_cipher, meta_cipher from memvault.memory_chunks where user_hash = $1", [userHash]);
  const wrong = rows.filter((r) => {
    const text = sealer.openSealed(r.text_cipher, chunkContext(userHash, r.id, "text")).toString();
    const meta = JSON.parse(sealer.openSealed(r.meta_cipher, chunkContext(userHash, r.id, "meta")).toString()) as { g: number };
    return text !== stored.get(r.id) || text !== `row ${meta.g}`;
  });
  expect(wrong.map((r) => r.id)).toEqual([]);
  return rows.length;
}

describe("a worker killed with SIGKILL mid-ingest", () => {
  // Conditions are waited on with generous limits (a loaded machine is slow, not wrong).
  it("loses nothing and mixes up nothing once another worker takes over", { timeout: 600_000 }, async () => {
    // A thousand rows sealed first; then the tenant's writes held exclusively (as forgetAll
    // holds them), so the next 9,000 rows' seal transactions stop at their first statement:
    // the kill lands with jobs taken and rows waiting, however fast or slow the machine is.
    await bulkInsert(A, 1_000);
    const storedFirst = (await fx.root.query("select id, text from memvault.chunk_ingest where user_hash = $1", [A])).rows;
    const first = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: keyringFile, WORKER_CONCURRENCY: "2", SEAL_BATCH_SIZE: "250" });
    await waitFor("the first thousand sealed", async () => (await state(A)).chunks === 1_000, 300_000, 50);
    const hold = await fx.root.connect();
    let first9000: { id: string; text: string }[];
    try {
      await hold.query("begin");
      await hold.query("select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('memvault:tenant:' || $1::text, 0))", [A]);
      await bulkInsert(A, 9_000);
      first9000 = (await fx.root.query("select id, text from memvault.chunk_ingest where user_hash = $1", [A])).rows;
      await waitFor("the worker holding seal jobs", async () => (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier = 'seal_batch' and locked_at is not null")).rows[0].n > 0, 120_000, 50);
      await first.crash();
    } finally {
      await hold.query("rollback");
      hold.release();
    }
    const stored = new Map<string, string>([...storedFirst, ...first9000].map((r) => [r.id, r.text]));
    const ids = new Set(stored.keys());
    expect(ids.size).toBe(10_000);

    // Mid-crash: every row is in exactly one table.
    const mid = await state(A);
    expect(mid).toMatchObject({ chunks: 1_000, ingest: 9_000, both_tables: 0 });
    // The dead worker's jobs are still locked: graphile-worker alone would wait hours.
    const locked = (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where locked_at is not null")).rows[0].n;
    expect(locked).toBeGreaterThan(0);

    const second = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: keyringFile, WORKER_CONCURRENCY: "2", WORKER_DEAD_AFTER_SECONDS: "2" });
    try {
      await waitFor("every row sealed", async () => (await state(A)).ingest === 0, 480_000, 250);
      const end = await state(A);
      expect(end).toMatchObject({ ingest: 0, chunks: 10_000, both_tables: 0 });
      const sealed = new Set((await fx.root.query("select id from memvault.memory_chunks where user_hash = $1", [A])).rows.map((r) => r.id));
      expect([...ids].every((id) => sealed.has(id))).toBe(true);
      expect(await expectSealedAsStored(A, stored)).toBe(10_000);
      expect(second.logs()).toContain("unlocked the jobs of dead workers");
      await waitFor("the seal queue to empty", async () => (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier like 'seal%'")).rows[0].n === 0, 120_000);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe("SIGTERM", () => {
  it("drains: the worker exits 0, leaves no job locked, and the next worker finishes", { timeout: 600_000 }, async () => {
    const before = (await state(B)).chunks;
    await bulkInsert(B, 3_000);
    const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: keyringFile, SEAL_BATCH_SIZE: "100" });
    await waitFor("sealing to start", async () => (await state(B)).chunks > before, 120_000, 20);
    expect(await worker.stop()).toBe(0);
    expect(worker.logs()).toContain("worker stopped");
    // A clean stop leaves no heartbeat: the next start does not see a dead worker.
    expect((await fx.root.query("select count(*)::int as n from memvault.worker_heartbeats")).rows[0].n).toBe(0);
    const locked = (await fx.root.query("select id, task_identifier, attempts, last_error, locked_by from graphile_worker.jobs where locked_at is not null")).rows;
    expect(locked).toEqual([]);
    const mid = await state(B);
    expect(mid.both_tables).toBe(0);
    expect(mid.ingest + mid.chunks).toBe(before + 3_000);

    const next = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: keyringFile });
    try {
      await waitFor("every row sealed", async () => (await state(B)).ingest === 0, 480_000, 200);
      expect(await state(B)).toMatchObject({ chunks: before + 3_000 });
    } finally {
      await next.stop();
    }
  });
});

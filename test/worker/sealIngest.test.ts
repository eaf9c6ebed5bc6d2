// Ingest → sealed through a real worker process: plaintext in, sealed rows out, nothing
// readable left in memory_chunks, the NOTIFY carrying ids only, tenants kept apart.
import { tenantSealer } from "../support/tenantSealer.ts";
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import { instrumentEmbedder } from "../../src/embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../../src/embed/embedMetrics.ts";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createSealCounter } from "../../src/crypto/sealCounter.ts";
import { logger } from "../../src/logger.ts";
import { CHUNK_SEALED_CHANNEL } from "../../src/sql/chunkSealedChannel.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { sealBatches, sealChunk } from "../../src/worker/sealIngest.ts";
import { embeddingFromBytes } from "../../src/embed/embeddingBytes.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { createWorkerMetrics } from "../../src/worker/workerMetrics.ts";
import { Registry } from "prom-client";
import { createCircuitBreaker } from "../../src/rerank/circuitBreaker.ts";
import { createReranker } from "../../src/rerank/reranker.ts";
import { createRerankMetrics } from "../../src/rerank/rerankMetrics.ts";
import { createVariantRerankers } from "../../src/rerank/variantRerankers.ts";
import { freshKeyringDocument } from "../support/keyrings.ts";
import { track, untrack } from "../support/openResources.ts";
import { asIdentity, tenantHash } from "../support/tenant.ts";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker, writeKeyringFile, type WorkerProcess } from "../support/workerProcess.ts";
import { freePort } from "../../src/db/localCluster.ts";

const DIMS = 384;
const A = tenantHash("A");
const B = tenantHash("B");
const doc = freshKeyringDocument();
const keyringFile = writeKeyringFile(doc);
const vector = (seed: number) => Array.from({ length: DIMS }, (_, i) => Math.fround(Math.sin(seed * 31 + i)));
const pgVector = (v: number[]) => `[${v.join(",")}]`;

let db: TestDatabase;
let root: pg.Pool;
let worker: WorkerProcess | undefined; // only while "with a worker running" runs

beforeAll(async () => {
  db = await createTestDatabase();
  root = db.pool();
});
afterAll(async () => {
  await root.end();
  await db.drop();
  fs.rmSync(path.dirname(keyringFile), { recursive: true, force: true });
});

async function remember(userHash: string, text: string, meta: object, seed: number): Promise<string> {
  return asIdentity(
    root,
    { role: "memvault_user", userHash },
    async (c) =>
      (
        await c.query("insert into memvault.chunk_ingest (text, meta, embedding) values ($1, $2, $3::public.vector) returning id", [
          text,
          JSON.stringify(meta),
          pgVector(vector(seed)),
        ])
      ).rows[0].id as string,
    { commit: true },
  );
}

const chunk = async (id: string) => (await root.query("select * from memvault.memory_chunks where id = $1", [id])).rows[0];
const ingestCount = async () => (await root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n as number;
const jobCounts = async (c: pg.ClientBase) =>
  Object.fromEntries((await c.query("select task_identifier, count(*)::int as n from graphile_worker.jobs group by 1")).rows.map((r) => [r.task_identifier, r.n]));

describe("at the door (no worker running)", () => {
  it("a rolled-back insert enqueues nothing", async () => {
    const client = await root.connect();
    try {
      await client.query("begin");
      await client.query("select set_config('app.user_hash', $1, true)", [A]);
      await client.query("insert into memvault.chunk_ingest (text, embedding) values ('x', $1::public.vector)", [pgVector(vector(1))]);
      expect(await jobCounts(client)).toEqual({ seal_chunk: 1 });
      await client.query("rollback");
      expect(await jobCounts(client)).toEqual({});
    } finally {
      client.release();
    }
  });

  it("a bulk insert of 1,500 rows enqueues 3 batch jobs, not 1,500", async () => {
    const client = await root.connect();
    try {
      await client.query("begin");
      await client.query(
        `insert into memvault.chunk_ingest (user_hash, text, embedding)
         select $1, 'bulk ' || g, $2::public.vector from generate_series(1, 1500) g`,
        [A, pgVector(vector(2))],
      );
      expect(await jobCounts(client)).toEqual({ seal_batch: 3 });
      const payloads = (await client.query("select payload from graphile_worker._private_jobs")).rows.map((r) => r.payload);
      // ids and user_hash only, never plaintext
      expect(payloads).toEqual([{ userHash: A }, { userHash: A }, { userHash: A }]);
      await client.query("rollback");
    } finally {
      client.release();
    }
  });

  it.each([
    ["a wrong dimension", { embedding: "[1,2,3]" }, "22000"],
    ["NaN in the embedding", { embedding: `[${["NaN", ...Array(DIMS - 1).fill("0")].join(",")}]` }, "22000"],
    ["an infinite value in the embedding", { embedding: `[${["Infinity", ...Array(DIMS - 1).fill("0")].join(",")}]` }, "22000"],
    ["text over the 64 KiB limit", { text: "x".repeat(65_537) }, "23514"],
    ["empty text", { text: "" }, "23514"],
    ["meta over 16 KiB", { meta: JSON.stringify({ big: "y".repeat(16_400) }) }, "23514"],
    ["meta that is not an object", { meta: "[1,2]" }, "23514"],
  ])("rejects %s and writes nothing", async (_label, override, code) => {
    const [ingestBefore, jobsBefore] = [await ingestCount(), await jobCounts(root as unknown as pg.ClientBase)];
    const row = { text: "ok", meta: "{}", embedding: pgVector(vector(3)), ...override };
    await expect(
      asIdentity(root, { role: "memvault_user", userHash: A }, (c) =>
        c.query("insert into memvault.chunk_ingest (text, meta, embedding) values ($1, $2::jsonb, $3::public.vector)", [row.text, row.meta, row.embedding]),
      ),
    ).rejects.toMatchObject({ code });
    expect(await ingestCount()).toBe(ingestBefore);
    expect(await jobCounts(root as unknown as pg.ClientBase)).toEqual(jobsBefore);
  });
});

describe("with a worker running", () => {
  let listener: pg.Client;
  let metricsPort: number;
  const notified: string[] = [];
  /** The worker's count of ingest rows it sealed (memvault_memories_stored_total). */
  const sealedByWorker = async () =>
    Number(/^memvault_memories_stored_total (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())?.[1] ?? NaN);

  beforeAll(async () => {
    listener = new pg.Client({ connectionString: db.url("root") });
    await listener.connect();
    const resource = track({ label: "LISTEN client", close: () => listener.end() });
    listener.on("notification", (n) => n.channel === CHUNK_SEALED_CHANNEL && notified.push(n.payload ?? ""));
    await listener.query(`listen ${CHUNK_SEALED_CHANNEL}`);
    untrack(resource); // file-scoped, closed in afterAll
    metricsPort = await freePort();
    worker = await startWorker(db, { MEMVAULT_KEYRING_FILE: keyringFile, METRICS_PORT: String(metricsPort), METRICS_HOST: "127.0.0.1" });
  });
  afterAll(async () => {
    await worker?.stop();
    await listener.end();
  });

  it("seals text, meta and an embedding copy that open under the AAD, and removes the ingest row", async () => {
    const text = "MARKER-7f3a: my sister's birthday is on 12 May";
    const meta = { source: "chat", secretTag: "MARKER-meta-91c2" };
    const id = await remember(A, text, meta, 4);
    const row = await waitFor("the chunk to be sealed", () => chunk(id));
    expect(row.user_hash).toBe(A);
    expect(row.key_version).toBe(0); // under the tenant's own data key
    const sealer = await tenantSealer(db.url("worker"), createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: keyringFile }), A);
    expect(sealer.openSealed(row.text_cipher, chunkContext(A, id, "text")).toString()).toBe(text);
    expect(JSON.parse(sealer.openSealed(row.meta_cipher, chunkContext(A, id, "meta")).toString())).toEqual(meta);
    expect(embeddingFromBytes(sealer.openSealed(row.emb_cipher, chunkContext(A, id, "embedding")))).toEqual(vector(4));
    // The plaintext ANN column is the same vector.
    expect((JSON.parse(row.embedding) as number[]).map(Math.fround)).toEqual(vector(4));
    expect(await ingestCount()).toBe(0);
    await waitFor("the NOTIFY", () => notified.some((p) => p.includes(id)));
    // Ids only: the tenant's 12-digit log prefix, then chunk ids; no content, no full tenant key.
    expect(notified.every((p) => /^[0-9a-f]{12}:[0-9a-f-]{36}(,[0-9a-f-]{36})*$/.test(p))).toBe(true);
    expect(notified.find((p) => p.includes(id))!.startsWith(`${A.slice(0, 12)}:`)).toBe(true);
    expect(notified.some((p) => p.includes(A))).toBe(false);
  });

  it("leaves no plaintext text or meta in memory_chunks, down to the bytes on disk", async () => {
    const id = await remember(A, "MARKER-disk-5b1e the plaintext must not reach the sealed table", { k: "MARKER-disk-meta-77aa" }, 5);
    await waitFor("the chunk to be sealed", () => chunk(id));
    const { rows } = await root.query(
      `select text_cipher, meta_cipher, emb_cipher, user_hash, id::text from memvault.memory_chunks`,
    );
    const cells = Buffer.concat(rows.flatMap((r) => [r.text_cipher, r.meta_cipher, r.emb_cipher]));
    for (const marker of ["MARKER-disk-5b1e", "MARKER-disk-meta-77aa", "MARKER-7f3a", "MARKER-meta-91c2"]) {
      expect(cells.includes(Buffer.from(marker))).toBe(false);
    }
    await root.query("checkpoint");
    const files = (
      await root.query(
        `select pg_relation_filepath(c.oid) as main, pg_relation_filepath(nullif(c.reltoastrelid, 0)) as toast
         from pg_class c where c.oid = 'memvault.memory_chunks'::regclass`,
      )
    ).rows[0];
    const dataDir = inject("cluster").dataDir;
    const bytes = Buffer.concat(
      [files.main, files.toast]
        .filter(Boolean)
        .flatMap((rel: string) => fs.readdirSync(path.dirname(path.join(dataDir, rel))).filter((f) => f === path.basename(rel) || f.startsWith(`${path.basename(rel)}.`)).map((f) => path.join(dataDir, path.dirname(rel), f)))
        .map((f) => fs.readFileSync(f)),
    );
    expect(bytes.length).toBeGreaterThan(0);
    // Control: the sealed bytes themselves are in the file, so the scan does see rows.
    expect(bytes.includes(rows[0].text_cipher.subarray(5, 21))).toBe(true);
    for (const marker of ["MARKER-disk-5b1e", "MARKER-disk-meta-77aa"]) expect(bytes.includes(Buffer.from(marker))).toBe(false);
  });

  it("seals a bulk insert exactly once: every row, and no row's work done twice", async () => {
    // B may hold rows of other tests of this file (they run in any order): count from here.
    const sealedOfB = async () => (await root.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1", [B])).rows[0].n as number;
    const allSealed = async () => (await root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n as number;
    const before = await sealedOfB();
    const [workBefore, rowsBefore] = [await sealedByWorker(), await allSealed()];
    await asIdentity(
      root,
      { role: "memvault_user", userHash: B },
      (c) =>
        c.query(
          `insert into memvault.chunk_ingest (user_hash, text, embedding)
           select $1, 'bulk ' || g, $2::public.vector from generate_series(1, 1200) g`,
          [B, pgVector(vector(6))],
        ),
      { commit: true },
    );
    await waitFor("1,200 chunks", async () => (await sealedOfB()) >= before + 1200);
    expect(await sealedOfB()).toBe(before + 1200);
    expect((await root.query("select count(*)::int as n from memvault.chunk_ingest where user_hash = $1 and text like 'bulk %'", [B])).rows[0].n).toBe(0);
    // The primary key already rules out a row twice; what it cannot rule out is a row sealed
    // twice (a batch redone, its first seals thrown away): each seal the worker counts made a row.
    await waitFor("the worker's count to catch up", async () => (await sealedByWorker()) - workBefore >= (await allSealed()) - rowsBefore);
    expect((await sealedByWorker()) - workBefore).toBe((await allSealed()) - rowsBefore);
  });

  it("refuses to ingest an id that is already sealed", async () => {
    const id = await remember(A, "once", {}, 7);
    await waitFor("the chunk", () => chunk(id));
    await expect(
      asIdentity(root, { role: "memvault_user", userHash: A }, (c) =>
        c.query("insert into memvault.chunk_ingest (id, text, embedding) values ($1, 'twice', $2::public.vector)", [id, pgVector(vector(7))]),
      ),
    ).rejects.toMatchObject({ code: "23505" });
  });
});

describe("a job for tenant A", () => {
  it("cannot read or write tenant B's rows, even when handed B's row id", async () => {
    // B's row waits with no worker able to reach it: its own job is removed first.
    const id = await asIdentity(
      root,
      { role: "memvault_user", userHash: B },
      async (c) => (await c.query("insert into memvault.chunk_ingest (text, embedding) values ('B only', $1::public.vector) returning id", [pgVector(vector(8))])).rows[0].id as string,
      { commit: true },
    );
    await root.query("delete from graphile_worker._private_jobs");
    const provider = createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: keyringFile });
    const workerPool = new pg.Pool({ connectionString: db.url("worker"), max: 2 });
    const ctx = { keyrings: provider, tenantKeys: openTenantKeys(provider), counter: createSealCounter(), metrics: createWorkerMetrics(workerPool), batchSize: 100, logger, draining: new AbortController().signal, rerankers: createVariantRerankers({ settings: createReranker({ scorer: undefined, enabled: () => false, breaker: createCircuitBreaker({ failures: 1, windowMs: 1, cooldownMs: 1 }), metrics: createRerankMetrics(new Registry()) }), registry: new Registry(), logger, enabled: () => false, breaker: { failures: 1, windowMs: 1, cooldownMs: 1 }, device: "cpu" }), searchRetentionSeconds: 60, embedder: instrumentEmbedder(undefined, "EMBEDDER_UNAVAILABLE", 8, createEmbedMetrics(new Registry())), embedBatchSize: 8, keywordIndex: true, purge: { batch: 100, dutyPercent: 100 } };
    const client = new pg.Client({ connectionString: db.url("worker") });
    await client.connect();
    try {
      expect(await sealChunk(ctx, client, A, id)).toBe(0);
      expect(await sealBatches(ctx, client, A)).toEqual({ sealed: 0, interrupted: false });
      expect((await root.query("select user_hash from memvault.chunk_ingest where id = $1", [id])).rows).toEqual([{ user_hash: B }]);
      expect(await chunk(id)).toBeUndefined();
      // B's own job would seal it.
      expect(await sealChunk(ctx, client, B, id)).toBe(1);
      expect((await chunk(id)).user_hash).toBe(B);
      // Running the same job again (at-least-once delivery) is a no-op.
      expect(await sealChunk(ctx, client, B, id)).toBe(0);
      expect((await root.query("select count(*)::int as n from memvault.memory_chunks where id = $1", [id])).rows[0].n).toBe(1);
    } finally {
      await client.end();
      await workerPool.end();
    }
  });
});
